namespace Stratum.Csi.Grpc;

public sealed record GrpcServerOptions
{
    public required IReadOnlyList<ServerEndpoint> Endpoints { get; init; }

    public int MaxReceiveMessageBytes { get; init; } = GrpcProtocol.DefaultMaxMessageBytes;

    public int MaxSendMessageBytes { get; init; } = GrpcProtocol.DefaultMaxMessageBytes;

    /// <summary>Mode of the Unix socket files (0660 by default: owner and group may connect).</summary>
    public UnixFileMode SocketMode { get; init; } =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>Concurrent calls per HTTP/2 connection; callers beyond it queue on their side.</summary>
    public int MaxStreamsPerConnection { get; init; } = 256;
}
