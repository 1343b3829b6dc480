using System.Text.Json.Serialization;

namespace Stratum.Lvm.Reports;

/// <summary>A segment row of <c>lvm fullreport</c>: the segment fields of <see cref="LvRow"/>, keyed by the LV's UUID.</summary>
internal sealed class SegRow
{
    /// <summary>The segment fields Stratum reads (of the LV's first segment).</summary>
    public const string SegmentFields = "segtype,stripes";

    /// <summary>The <c>-o</c> list of the fullreport segment subreport.</summary>
    public const string Fields = "lv_uuid," + SegmentFields;

    [JsonPropertyName("lv_uuid")] public string? LvUuid { get; set; }
    [JsonPropertyName("segtype")] public string? Segtype { get; set; }
    [JsonPropertyName("stripes")] public string? Stripes { get; set; }
}
