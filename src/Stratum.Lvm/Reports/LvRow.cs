using System.Text.Json.Serialization;

namespace Stratum.Lvm.Reports;

/// <summary>An <c>lvs</c> row as LVM prints it: every value is a string.</summary>
internal sealed class LvRow
{
    /// <summary>The <c>-o</c> list that produces these fields.</summary>
    public const string Fields = "lv_name,vg_name,lv_uuid,lv_size,lv_tags,lv_attr,lv_path,lv_dm_path,lv_kernel_major,lv_kernel_minor,pool_lv,origin,data_percent,metadata_percent,segtype,lv_active,stripes,lv_health_status";

    /// <summary>
    /// The fields that belong to the LV itself: <c>lvm fullreport</c> refuses segment fields in its
    /// LV subreport ("columns which lead to change of report type"), so it asks for those in its
    /// segment subreport (<see cref="SegRow"/>: <see cref="SegRow.SegmentFields"/>) and joins them by UUID.
    /// </summary>
    public const string LvOnlyFields = "lv_name,vg_name,lv_uuid,lv_size,lv_tags,lv_attr,lv_path,lv_dm_path,lv_kernel_major,lv_kernel_minor,pool_lv,origin,data_percent,metadata_percent,lv_active,lv_health_status";

    [JsonPropertyName("lv_name")] public string? LvName { get; set; }
    [JsonPropertyName("vg_name")] public string? VgName { get; set; }
    [JsonPropertyName("lv_uuid")] public string? LvUuid { get; set; }
    [JsonPropertyName("lv_size")] public string? LvSize { get; set; }
    [JsonPropertyName("lv_tags")] public string? LvTags { get; set; }
    [JsonPropertyName("lv_attr")] public string? LvAttr { get; set; }
    [JsonPropertyName("lv_path")] public string? LvPath { get; set; }
    [JsonPropertyName("lv_dm_path")] public string? LvDmPath { get; set; }
    [JsonPropertyName("lv_kernel_major")] public string? LvKernelMajor { get; set; }
    [JsonPropertyName("lv_kernel_minor")] public string? LvKernelMinor { get; set; }
    [JsonPropertyName("pool_lv")] public string? PoolLv { get; set; }
    [JsonPropertyName("origin")] public string? Origin { get; set; }
    [JsonPropertyName("data_percent")] public string? DataPercent { get; set; }
    [JsonPropertyName("metadata_percent")] public string? MetadataPercent { get; set; }
    [JsonPropertyName("segtype")] public string? Segtype { get; set; }
    [JsonPropertyName("lv_active")] public string? LvActive { get; set; }
    [JsonPropertyName("stripes")] public string? Stripes { get; set; }
    [JsonPropertyName("lv_health_status")] public string? LvHealthStatus { get; set; }
}
