using Microsoft.Extensions.Logging;
using Stratum.Csi.Grpc;

namespace Stratum.Csi.Tests.TestSupport;

/// <summary>A <see cref="GrpcServer"/> on a fresh Unix socket, with a client connected to it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();

    private TestServer(IEnumerable<GrpcMethod> methods, int maxMessageBytes)
    {
        Endpoint = ServerEndpoint.Parse("unix://" + _directory.File("csi.sock"));
        Server = new GrpcServer(
            new GrpcServerOptions { Endpoints = [Endpoint], MaxReceiveMessageBytes = maxMessageBytes, MaxSendMessageBytes = maxMessageBytes },
            new GrpcMethodTable(methods),
            Logs.CreateFactory());
        Client = new GrpcClient(Endpoint);
    }

    public ServerEndpoint Endpoint { get; }

    public GrpcServer Server { get; }

    public GrpcClient Client { get; }

    public CapturingLoggerProvider Logs { get; } = new();

    public static async Task<TestServer> StartAsync(IEnumerable<GrpcMethod> methods, int maxMessageBytes = GrpcProtocol.DefaultMaxMessageBytes)
    {
        var server = new TestServer(methods, maxMessageBytes);
        await server.Server.StartAsync();
        return server;
    }

    /// <summary>An HTTP/2 client on the same socket, for sending hand-made (broken) requests.</summary>
    public HttpClient CreateRawClient() => new(GrpcClient.CreateHandler(Endpoint))
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
