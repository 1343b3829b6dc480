using Stratum.Csi.Grpc;

namespace Stratum.Csi.Tests.TestSupport;

/// <summary>A <see cref="GrpcServer"/> on a fresh Unix socket, with a client connected to it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();

    private TestServer(IReadOnlyList<GrpcService> services, int maxMessageBytes)
    {
        Endpoint = ServerEndpoint.Parse("unix://" + _directory.File("csi.sock"));
        Server = new GrpcServer(
            new GrpcServerOptions { Endpoints = [Endpoint], MaxReceiveMessageBytes = maxMessageBytes, MaxSendMessageBytes = maxMessageBytes },
            services,
            Logs.CreateFactory());
        Client = new CsiClient(Endpoint);
    }

    public ServerEndpoint Endpoint { get; }

    public GrpcServer Server { get; }

    public CsiClient Client { get; }

    public CapturingLoggerProvider Logs { get; } = new();

    public static async Task<TestServer> StartAsync(IReadOnlyList<GrpcService> services, int maxMessageBytes = GrpcServerOptions.DefaultMaxMessageBytes)
    {
        var server = new TestServer(services, maxMessageBytes);
        await server.Server.StartAsync();
        return server;
    }

    /// <summary>An HTTP/2 client on the same socket, for sending hand-made (broken) requests.</summary>
    public HttpClient CreateRawClient() => new(CsiClient.CreateHandler(Endpoint))
    {
        BaseAddress = new Uri("http://localhost"),
        DefaultRequestVersion = System.Net.HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        _directory.Dispose();
    }
}
