using System.Text.Json.Serialization;

namespace Stratum.Lvm.Reports;

/// <summary>Source-generated (reflection-free, trimming-safe) metadata for the report DTOs.</summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(ReportDocument))]
internal sealed partial class LvmJsonContext : JsonSerializerContext
{
}
