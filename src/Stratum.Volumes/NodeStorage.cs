using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Platform.Exec;
using Stratum.Volumes.Capacity;
using Stratum.Volumes.Disks;
using Stratum.Volumes.Filesystems;

namespace Stratum.Volumes;

/// <summary>
/// The node's storage side as one unit, in the order it must start: the live configuration
/// (<see cref="ConfigMonitor"/>), start-up recovery (activate what Stratum created, report what is
/// missing), disk management (claim blank disks, create pools), the engine (rediscover and
/// activate Stratum's volumes, fill the capacity cache), then the background work: capacity
/// refresh, disk rescans and hot reload (a new snapshot triggers a disk scan; the engine reads the
/// snapshot of the moment for every operation). The CSI layer serves on top of <see cref="Engine"/>.
/// </summary>
public sealed partial class NodeStorage : IAsyncDisposable
{
    private readonly ILoggerFactory _loggers;
    private readonly NodeRecovery _recovery;
    private readonly NodeEngine _engine;

    public NodeStorage(
        ConfigMonitor config, ILvm lvm, IFilesystemOps filesystem, IDiskHost host, string nodeId, ILoggerFactory loggers, DiskManagerOptions? diskOptions = null,
        Encryption.IVolumeEncryption? encryption = null, string? cgroupRoot = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(loggers);
        _loggers = loggers;
        Config = config;
        var options = new VolumeEngineOptions { NodeId = nodeId, CgroupRoot = cgroupRoot ?? IoLimits.PodCgroups.DefaultRoot };
        _engine = NodeEngine.Create(lvm, filesystem, () => config.Current.Classes, options, loggers, encryption);
        Capacity = _engine.Capacity;
        Engine = _engine.Volumes;
        Node = _engine.Node;
        Disks = new DiskManager(lvm, filesystem, host, Capacity.RefreshAsync, loggers.CreateLogger<DiskManager>(), diskOptions);
        _recovery = new NodeRecovery(lvm, loggers.CreateLogger<NodeRecovery>());
        Inventory = new VolumeInventory();
        Capacity.NodeReportRead = report => Inventory.Take(report, config.Current.Classes.VolumeGroups);
    }

    /// <summary>
    /// Composes the node's storage over the real LVM and filesystem tools (one command runner under
    /// both), or what <paramref name="dependencies"/> puts in their place.
    /// </summary>
    public static NodeStorage Create(
        ConfigMonitor config, EngineDependencies dependencies, IDiskHost host, string nodeId, ILoggerFactory loggers, DiskManagerOptions? diskOptions = null,
        string? cgroupRoot = null)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        ArgumentNullException.ThrowIfNull(loggers);
        var runner = new Lazy<ICommandRunner>(() => dependencies.Runner ?? new CommandRunner(new CommandRunnerOptions(), loggers.CreateLogger<CommandRunner>()));
        var lvm = dependencies.Lvm ?? new LvmCli(runner.Value, new LvmOptions(), loggers.CreateLogger<LvmCli>());
        var filesystem = dependencies.Filesystem ?? new LinuxFilesystemOps(runner.Value, new LinuxFilesystemOpsOptions(), loggers.CreateLogger<LinuxFilesystemOps>());
        var encryption = dependencies.Encryption ?? new Encryption.LuksCli(runner.Value, new Encryption.LuksOptions(), loggers.CreateLogger<Encryption.LuksCli>());
        return new NodeStorage(config, lvm, filesystem, host, nodeId, loggers, diskOptions, encryption, cgroupRoot);
    }

    public ConfigMonitor Config { get; }

    public CapacityCache Capacity { get; }

    /// <summary>The controller side of the engine: create, delete, list, capacity.</summary>
    public VolumeEngine Engine { get; }

    /// <summary>The node side of the engine: stage, publish, expand, stats.</summary>
    public NodeVolumes Node { get; }

    public DiskManager Disks { get; }

    /// <summary>The LVs of the configured VGs as last read, refreshed with the capacity cache's period.</summary>
    public VolumeInventory Inventory { get; }

    /// <summary>What start-up recovery found (<see cref="RecoveryReport.Empty"/> before <see cref="StartAsync"/>).</summary>
    public RecoveryReport Recovery { get; private set; } = RecoveryReport.Empty;

    /// <summary>Recovers, claims disks, starts the engine, then the background work. Throws what the engine's start throws.</summary>
    public async Task<IReadOnlyList<ManagedVolume>> StartAsync(CancellationToken cancellationToken)
    {
        var classes = Config.Current.Classes;
        Recovery = await _recovery.RunAsync(classes, cancellationToken).ConfigureAwait(false);
        try
        {
            await Disks.ScanAsync(classes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LvmException or IOException)
        {
            // Serving the volumes that exist matters more than claiming new disks now; the next scan retries.
            FirstScanFailed(_loggers.CreateLogger<NodeStorage>(), e.Message);
        }

        var volumes = await Engine.StartAsync(cancellationToken).ConfigureAwait(false);
        Capacity.StartPeriodicRefresh(Config.Current.Config.CapacityRefreshInterval);
        Config.Changed += _ => Disks.RequestScan();
        Disks.Start(() => Config.Current.Classes, scanFirst: false);
        Config.Start();
        return volumes;
    }

    /// <summary>Stops the background work; the configuration monitor given to the constructor is disposed too (it is owned).</summary>
    public async ValueTask DisposeAsync()
    {
        await Config.DisposeAsync().ConfigureAwait(false);
        await Disks.DisposeAsync().ConfigureAwait(false);
        await _engine.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 5690, Level = LogLevel.Error, Message = "The first disk scan failed; volumes are served anyway and the next scan retries: {Reason}")]
    private static partial void FirstScanFailed(ILogger logger, string reason);
}
