using System.Text.Json.Serialization;

namespace Stratum.Lvm.Reports;

/// <summary>
/// One report object: one row list for <c>lvs</c>/<c>vgs</c>/<c>pvs</c>; for <c>lvm fullreport</c>
/// one object per VG (and one for orphan PVs) with a list per subreport.
/// </summary>
internal sealed class ReportSection
{
    [JsonPropertyName("lv")]
    public List<LvRow>? Lv { get; set; }

    [JsonPropertyName("vg")]
    public List<VgRow>? Vg { get; set; }

    [JsonPropertyName("pv")]
    public List<PvRow>? Pv { get; set; }

    [JsonPropertyName("seg")]
    public List<SegRow>? Seg { get; set; }
}
