using System.Text.Json.Serialization;

namespace Stratum.Lvm.Reports;

/// <summary>A <c>vgs</c> row as LVM prints it: every value is a string.</summary>
internal sealed class VgRow
{
    /// <summary>The <c>-o</c> list that produces these fields.</summary>
    public const string Fields = "vg_name,vg_uuid,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,vg_tags,vg_attr,pv_count,lv_count";

    [JsonPropertyName("vg_name")] public string? VgName { get; set; }
    [JsonPropertyName("vg_uuid")] public string? VgUuid { get; set; }
    [JsonPropertyName("vg_size")] public string? VgSize { get; set; }
    [JsonPropertyName("vg_free")] public string? VgFree { get; set; }
    [JsonPropertyName("vg_extent_size")] public string? VgExtentSize { get; set; }
    [JsonPropertyName("vg_extent_count")] public string? VgExtentCount { get; set; }
    [JsonPropertyName("vg_free_count")] public string? VgFreeCount { get; set; }
    [JsonPropertyName("vg_tags")] public string? VgTags { get; set; }
    [JsonPropertyName("vg_attr")] public string? VgAttr { get; set; }
    [JsonPropertyName("pv_count")] public string? PvCount { get; set; }
    [JsonPropertyName("lv_count")] public string? LvCount { get; set; }
}
