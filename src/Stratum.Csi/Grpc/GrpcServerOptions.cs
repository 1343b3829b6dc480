using Stratum.Metrics;

namespace Stratum.Csi.Grpc;

public sealed record GrpcServerOptions
{
    /// <summary>Default largest message accepted or sent, like the Go and C# gRPC defaults.</summary>
    public const int DefaultMaxMessageBytes = 4 * 1024 * 1024;

    public required IReadOnlyList<ServerEndpoint> Endpoints { get; init; }

    public int MaxReceiveMessageBytes { get; init; } = DefaultMaxMessageBytes;

    public int MaxSendMessageBytes { get; init; } = DefaultMaxMessageBytes;

    /// <summary>Mode of the Unix socket files (0660 by default: owner and group may connect).</summary>
    public UnixFileMode SocketMode { get; init; } =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>
    /// How long a connection may sit idle before the server closes it. The Kubernetes sidecars hold
    /// one connection for their whole life, send no keep-alive pings, and exit when it drops, so this
    /// must be effectively forever (Kestrel's own default is 130 s; an infinite value makes Kestrel
    /// close idle connections at once, so a large finite value is used).
    /// </summary>
    public TimeSpan IdleConnectionTimeout { get; init; } = TimeSpan.FromDays(365);

    /// <summary>Concurrent calls per HTTP/2 connection; callers beyond it queue on their side.</summary>
    public int MaxStreamsPerConnection { get; init; } = 256;

    /// <summary>Whether to serve gRPC server reflection (grpc.reflection.v1alpha), so grpcurl can list and call the services.</summary>
    public bool Reflection { get; init; } = true;

    /// <summary>Where every call's method, status code and duration are reported.</summary>
    public IStratumMetrics Metrics { get; init; } = NullStratumMetrics.Instance;
}
