using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Csi.Grpc;
using Stratum.Csi.Services;
using Stratum.Csi.V1;
using Stratum.Lvm;
using Stratum.Lvm.Exec;
using Stratum.Metrics;
using Stratum.Volumes;
using Stratum.Volumes.Capacity;
using Stratum.Volumes.Filesystems;
using Stratum.Volumes.Locking;

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
    private readonly CapacityCache _capacity;
    private readonly TimeSpan _capacityRefresh;
    private readonly ILoggerFactory _loggerFactory;
    private readonly PrometheusStratumMetrics? _metrics;
    private MetricsEndpoint? _metricsEndpoint;

    public NodePlugin(NodeOptions options, ILoggerFactory loggerFactory, NodeDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        dependencies ??= new NodeDependencies();
        _options = options;
        _loggerFactory = loggerFactory;

        var config = dependencies.Config
            ?? (options.ConfigPath is { } path ? ConfigLoader.Load(path) : ConfigLoader.BuiltInDefault);
        var classes = new DeviceClassManager(config);
        _capacityRefresh = TimeSpan.FromSeconds(config.CapacityRefreshSeconds);

        _metrics = options.MetricsEndpoint is null ? null : new PrometheusStratumMetrics(PluginInfo.Default.Version);
        ICommandRunner runner = new CommandRunner(new CommandRunnerOptions(), loggerFactory.CreateLogger<CommandRunner>());
        if (_metrics is not null)
        {
            runner = new TimedCommandRunner(runner, _metrics);
        }

        var lvm = dependencies.Lvm ?? new LvmCli(runner, new LvmOptions(), loggerFactory.CreateLogger<LvmCli>());
        var filesystem = dependencies.Filesystem ?? new LinuxFilesystemOps(runner, new LinuxFilesystemOpsOptions(), loggerFactory.CreateLogger<LinuxFilesystemOps>());

        _capacity = new CapacityCache(lvm, loggerFactory.CreateLogger<CapacityCache>());
        if (_metrics is not null)
        {
            // VG figures are read from the capacity cache at scrape time: no LVM command per scrape.
            var groups = config.DeviceClasses.Select(c => c.VolumeGroup).Distinct(StringComparer.Ordinal).ToList();
            var metrics = _metrics;
            var capacity = _capacity;
            _metrics.Registry.AddBeforeCollectCallback(() =>
            {
                if (capacity.RefreshedAt is { } at)
                {
                    metrics.CapacityRefreshed(at, [.. groups.Select(capacity.Find).OfType<VolumeGroupSpace>().Select(s => new VolumeGroupUsage(s.Group.Name, s.Group.SizeBytes, s.Group.FreeBytes))], []);
                }
            });
        }

        var engine = new VolumeEngine(lvm, () => classes, _capacity, new VolumeLocks(), new VolumeEngineOptions { NodeId = options.NodeId }, loggerFactory.CreateLogger<VolumeEngine>());
        Engine = engine;
        var nodeVolumes = new NodeVolumes(engine, lvm, filesystem, loggerFactory.CreateLogger<NodeVolumes>());

        var identity = new IdentityService(PluginInfo.Default, () => Readiness.IsReady, () => Readiness.Failure);
        var controller = new ControllerService(engine, options.NodeId);
        var node = new NodeService(nodeVolumes, options.NodeId);
        _server = new GrpcServer(
            new GrpcServerOptions
            {
                Endpoints = options.Endpoints,
                MaxReceiveMessageBytes = options.MaxMessageBytes,
                MaxSendMessageBytes = options.MaxMessageBytes,
                Metrics = (IStratumMetrics?)_metrics ?? NullStratumMetrics.Instance,
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
        if (_metrics is not null && _options.MetricsEndpoint is { } endpoint)
        {
            _metricsEndpoint = await MetricsEndpoint.StartAsync(endpoint, _metrics, _loggerFactory, cancellationToken).ConfigureAwait(false);
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await Engine.StartAsync(cancellationToken).ConfigureAwait(false);
                _capacity.StartPeriodicRefresh(_capacityRefresh);
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

    /// <summary>The metrics endpoint's address once started (null when metrics are off).</summary>
    public Uri? MetricsAddress => _metricsEndpoint?.Address;

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        if (_metricsEndpoint is not null)
        {
            await _metricsEndpoint.DisposeAsync().ConfigureAwait(false);
        }

        await _capacity.DisposeAsync().ConfigureAwait(false);
    }
}
