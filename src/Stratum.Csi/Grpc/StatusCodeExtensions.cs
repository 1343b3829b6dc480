using Grpc.Core;

namespace Stratum.Csi.Grpc;

public static class StatusCodeExtensions
{
    private static readonly string[] WireNames =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
        "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
        "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
        "UNAUTHENTICATED",
    ];

    /// <summary>The canonical upper-case name, e.g. <c>RESOURCE_EXHAUSTED</c> (as grpc-go and the sidecars print it).</summary>
    public static string ToWireName(this StatusCode code) =>
        (int)code >= 0 && (int)code < WireNames.Length ? WireNames[(int)code] : ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
