using Microsoft.Extensions.Logging;
using Stratum.Csi.Grpc;
using Stratum.Csi.Services;

namespace Stratum.Csi.Hosting;

/// <summary>
/// The running plugin: the CSI services composed over one gRPC server. The CLI runs it until
/// SIGTERM; tests start and stop it in-process on a temporary socket.
/// </summary>
public sealed class NodePlugin : IAsyncDisposable
{
    private readonly NodeOptions _options;
    private readonly GrpcServer _server;

    public NodePlugin(NodeOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        ICsiService[] services =
        [
            new IdentityService(PluginInfo.Default, () => true),
        ];
        var methods = new GrpcMethodTable(services.SelectMany(s => s.Methods()));
        _server = new GrpcServer(
            new GrpcServerOptions
            {
                Endpoints = options.Endpoints,
                MaxReceiveMessageBytes = options.MaxMessageBytes,
                MaxSendMessageBytes = options.MaxMessageBytes,
            },
            methods,
            loggerFactory);
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => _server.StartAsync(cancellationToken);

    /// <summary>Stops accepting calls and waits up to the configured grace period for running ones.</summary>
    public Task StopAsync() => _server.StopAsync(_options.ShutdownGracePeriod);

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
