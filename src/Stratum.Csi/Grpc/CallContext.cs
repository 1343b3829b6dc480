namespace Stratum.Csi.Grpc;

/// <summary>What a handler knows about the call it serves.</summary>
public sealed class CallContext
{
    public CallContext(string method, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        Method = method;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>Full method path, e.g. <c>/csi.v1.Identity/Probe</c>.</summary>
    public string Method { get; }

    /// <summary>When the caller stops waiting, from grpc-timeout; null when it sent none.</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Fires when the deadline passes, the caller goes away, or the server is forced down.</summary>
    public CancellationToken CancellationToken { get; }
}
