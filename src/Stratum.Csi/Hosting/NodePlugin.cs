using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Csi.Grpc;
using Stratum.Csi.Services;
using Stratum.Csi.V1;
using Stratum.Metrics;
using Stratum.Platform.Exec;
using Stratum.Volumes;
using Stratum.Volumes.Disks;

namespace Stratum.Csi.Hosting;

/// <summary>
/// The running plugin: the node's storage (<see cref="NodeStorage"/>: live configuration, disks,
/// engine) and the three CSI services plus Stratum's status service over one gRPC server. The
/// socket opens first; then start-up recovery, disk management and the engine's rediscovery run,
/// and only then do Controller and Node calls proceed (they wait), so the first volume call
/// already sees every volume. The CLI runs it until SIGTERM; tests start and stop it in-process
/// on a temporary socket.
/// </summary>
public sealed class NodePlugin : IAsyncDisposable
{
    private readonly NodeOptions _options;
    private readonly GrpcServer _server;
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

        // Throws ConfigException for an invalid file or labels: nothing starts.
        var config = ConfigMonitor.Create(
            new ConfigMonitorOptions
            {
                ConfigPath = options.ConfigPath,
                FixedConfig = dependencies.Config,
                NodeName = options.NodeId,
                Labels = new NodeLabelSource(options.NodeLabelsFile, options.NodeLabels),
            },
            loggerFactory.CreateLogger<ConfigMonitor>());

        if (options.MetricsEndpoint is not null)
        {
            // Every subprocess (lvm, mkfs, mount, ...) is timed through the one runner.
            _metrics = new PrometheusStratumMetrics(PluginInfo.Default.Version);
            dependencies = dependencies with
            {
                Runner = new TimedCommandRunner(dependencies.Runner ?? new CommandRunner(new CommandRunnerOptions(), loggerFactory.CreateLogger<CommandRunner>()), _metrics),
            };
        }

        Storage = NodeStorage.Create(config, dependencies, dependencies.DiskHost ?? new LinuxDiskHost(), options.NodeId, loggerFactory, cgroupRoot: options.CgroupRoot);
        var engine = Storage.Engine;
        if (_metrics is not null)
        {
            _metrics.Registry.AddBeforeCollectCallback(new NodeMetricsFeed(Storage, _metrics).Collect);
        }

        Gc = NodeGc.Create(Storage, options.NodeId, dependencies.Cluster, (IStratumMetrics?)_metrics ?? NullStratumMetrics.Instance, loggerFactory, dependencies.GcTime);
        Attributes = NodeAttributesWatch.Create(Storage, options.NodeId, dependencies.Kube, dependencies.AttributesOptions, loggerFactory);

        var identity = new IdentityService(PluginInfo.Default, () => Readiness.IsReady, () => Readiness.Failure);
        var controller = new ControllerService(engine, options.NodeId, Storage.Node);
        var node = new NodeService(Storage.Node, options.NodeId);
        var status = new StatusService(Storage, PluginInfo.Default, options.NodeId, () => Readiness.IsReady, () => Readiness.Failure, Gc);
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
                // Answers at once, also while starting: it says how far start-up got.
                GrpcService.Create(status, StatusApi.NodeStatus.Descriptor) with { PollingMethods = StatusService.PollingMethods },
            ],
            loggerFactory);
    }

    /// <summary>The node's storage side: configuration, disks, recovery, engine, capacity.</summary>
    public NodeStorage Storage { get; }

    public VolumeEngine Engine => Storage.Engine;

    /// <summary>The orphan GC (runs once the engine is up, when the configuration and the API allow).</summary>
    public NodeGc Gc { get; }

    /// <summary>The VolumeAttributesClass watcher (runs once the engine is up, when a Kubernetes API is configured).</summary>
    public NodeAttributesWatch Attributes { get; }

    public Readiness Readiness { get; } = new();

    /// <summary>
    /// Opens the socket, then starts the node's storage (recovery, disks, rediscovery, capacity,
    /// hot reload) in the background: Identity and Status answer at once and Probe says
    /// ready=false until it is up. Await <see cref="Hosting.Readiness.Started"/> to know the outcome.
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
                await Storage.StartAsync(cancellationToken).ConfigureAwait(false);
                Readiness.MarkReady();
                Gc.Start();
                Attributes.Start();
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
        await Gc.DisposeAsync().ConfigureAwait(false);
        await Attributes.DisposeAsync().ConfigureAwait(false);
        if (_metricsEndpoint is not null)
        {
            await _metricsEndpoint.DisposeAsync().ConfigureAwait(false);
        }

        await Storage.DisposeAsync().ConfigureAwait(false);
    }
}
