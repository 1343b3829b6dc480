using System.Text.Json.Serialization;

namespace Stratum.Lvm.Reports;

/// <summary>The top level of <c>--reportformat json</c>: <c>{"report": [ { "lv": [...] } ]}</c>.</summary>
internal sealed class ReportDocument
{
    [JsonPropertyName("report")]
    public List<ReportSection>? Report { get; set; }
}
