namespace Stratum.Csi.Grpc;

/// <summary>
/// A call ended with a non-OK gRPC status. Handlers throw it to answer with a specific code;
/// the client throws it when the server answered with one.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(StatusCode status, string detail)
        : base($"{status.ToWireName()}: {detail}")
    {
        Status = status;
        Detail = detail;
    }

    public RpcException(StatusCode status, string detail, Exception inner)
        : base($"{status.ToWireName()}: {detail}", inner)
    {
        Status = status;
        Detail = detail;
    }

    public StatusCode Status { get; }

    /// <summary>The human-readable status message (grpc-message).</summary>
    public string Detail { get; }
}
