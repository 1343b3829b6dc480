using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Csi.Grpc;
using Stratum.Csi.Services;
using Stratum.Csi.V1;
using Stratum.Volumes;

namespace Stratum.Csi.Hosting;

/// <summary>
/// The running plugin: the engine and the three CSI services over one gRPC server. The socket
/// opens first; then the engine rediscovers existing volumes from their tags, activates them and
/// fills the capacity cache, and only then do Controller and Node calls proceed (they wait), so
/// the first volume call already sees every volume. The CLI runs it until SIGTERM; tests start
/// and stop it in-process on a temporary socket.
/// </summary>
public sealed class NodePlugin : IAsyncDisposable
{
    private readonly NodeOptions _options;
    private readonly GrpcServer _server;
    private readonly NodeEngine _engine;
    private readonly TimeSpan _capacityRefresh;

    public NodePlugin(NodeOptions options, ILoggerFactory loggerFactory, NodeDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        dependencies ??= new NodeDependencies();
        _options = options;

        var config = dependencies.Config
            ?? (options.ConfigPath is { } path ? ConfigLoader.Load(path) : ConfigLoader.BuiltInDefault);
        var classes = new DeviceClassManager(config);
        _capacityRefresh = TimeSpan.FromSeconds(config.CapacityRefreshSeconds);

        _engine = NodeEngine.Create(dependencies, () => classes, new VolumeEngineOptions { NodeId = options.NodeId }, loggerFactory);
        Engine = _engine.Volumes;

        var identity = new IdentityService(PluginInfo.Default, () => Readiness.IsReady, () => Readiness.Failure);
        var controller = new ControllerService(_engine.Volumes, options.NodeId);
        var node = new NodeService(_engine.Node, options.NodeId);
        _server = new GrpcServer(
            new GrpcServerOptions
            {
                Endpoints = options.Endpoints,
                MaxReceiveMessageBytes = options.MaxMessageBytes,
                MaxSendMessageBytes = options.MaxMessageBytes,
            },
            [
                // Identity answers at once (Probe says whether the engine is up); volume calls wait for it.
                GrpcService.Create(identity, Identity.Descriptor) with { PollingMethods = IdentityService.PollingMethods },
                GrpcService.Create(controller, Controller.Descriptor) with { PollingMethods = ControllerService.PollingMethods, Gate = Readiness.WaitAsync },
                GrpcService.Create(node, Node.Descriptor) with { PollingMethods = NodeService.PollingMethods, Gate = Readiness.WaitAsync },
            ],
            loggerFactory);
    }

    public VolumeEngine Engine { get; }

    public Readiness Readiness { get; } = new();

    /// <summary>
    /// Opens the socket, then starts the engine (rediscovery, capacity) in the background:
    /// Identity answers at once and Probe says ready=false until the engine is up. Await
    /// <see cref="Hosting.Readiness.Started"/> to know the outcome.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _server.StartAsync(cancellationToken).ConfigureAwait(false);
        _ = Task.Run(async () =>
        {
            try
            {
                await _engine.StartAsync(cancellationToken).ConfigureAwait(false);
                _engine.Capacity.StartPeriodicRefresh(_capacityRefresh);
                Readiness.MarkReady();
            }
            catch (Exception ex)
            {
                Readiness.MarkFailed(ex);
            }
        }, CancellationToken.None);
    }

    /// <summary>Starts and waits until the engine is ready (throws what start-up threw).</summary>
    public async Task StartAndWaitAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        await Readiness.Started.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops accepting calls and waits up to the configured grace period for running ones.</summary>
    public Task StopAsync() => _server.StopAsync(_options.ShutdownGracePeriod);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        await _engine.DisposeAsync().ConfigureAwait(false);
    }
}
