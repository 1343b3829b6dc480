using System.Text.Json.Serialization;

namespace Stratum.Lvm.Reports;

/// <summary>One report object; exactly one of the row lists is present, depending on the command.</summary>
internal sealed class ReportSection
{
    [JsonPropertyName("lv")]
    public List<LvRow>? Lv { get; set; }

    [JsonPropertyName("vg")]
    public List<VgRow>? Vg { get; set; }

    [JsonPropertyName("pv")]
    public List<PvRow>? Pv { get; set; }
}
