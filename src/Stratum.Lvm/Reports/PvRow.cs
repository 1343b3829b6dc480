using System.Text.Json.Serialization;

namespace Stratum.Lvm.Reports;

/// <summary>A <c>pvs</c> row as LVM prints it: every value is a string.</summary>
internal sealed class PvRow
{
    /// <summary>The <c>-o</c> list that produces these fields.</summary>
    public const string Fields = "pv_name,vg_name,pv_uuid,pv_size,pv_free,pv_attr,pv_tags,dev_size";

    [JsonPropertyName("pv_name")] public string? PvName { get; set; }
    [JsonPropertyName("vg_name")] public string? VgName { get; set; }
    [JsonPropertyName("pv_uuid")] public string? PvUuid { get; set; }
    [JsonPropertyName("pv_size")] public string? PvSize { get; set; }
    [JsonPropertyName("pv_free")] public string? PvFree { get; set; }
    [JsonPropertyName("pv_attr")] public string? PvAttr { get; set; }
    [JsonPropertyName("pv_tags")] public string? PvTags { get; set; }
    [JsonPropertyName("dev_size")] public string? DevSize { get; set; }
}
