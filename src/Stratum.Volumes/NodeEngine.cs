using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Platform.Exec;
using Stratum.Volumes.Capacity;
using Stratum.Volumes.Encryption;
using Stratum.Volumes.Filesystems;
using Stratum.Volumes.IoLimits;
using Stratum.Volumes.Locking;

namespace Stratum.Volumes;

/// <summary>
/// The engine of one node, composed: the controller side (<see cref="Volumes"/>), the node side
/// (<see cref="Node"/>) and what they share (the catalog, the per-volume locks, the capacity
/// figures), over one LVM and one filesystem layer. The hosting builds one and starts it.
/// </summary>
public sealed class NodeEngine : IAsyncDisposable
{
    private NodeEngine(VolumeCatalog catalog, CapacityCache capacity, VolumeEngine volumes, NodeVolumes node)
    {
        Catalog = catalog;
        Capacity = capacity;
        Volumes = volumes;
        Node = node;
    }

    public VolumeCatalog Catalog { get; }

    public CapacityCache Capacity { get; }

    /// <summary>The controller side: create, delete, list, capacity.</summary>
    public VolumeEngine Volumes { get; }

    /// <summary>The node side: stage, publish, expand, stats.</summary>
    public NodeVolumes Node { get; }

    /// <summary>Composes the engine over the real LVM and filesystem tools, or what <paramref name="dependencies"/> puts in their place.</summary>
    public static NodeEngine Create(EngineDependencies dependencies, Func<DeviceClassManager> classes, VolumeEngineOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var runner = new Lazy<ICommandRunner>(() => dependencies.Runner ?? new CommandRunner(new CommandRunnerOptions(), loggerFactory.CreateLogger<CommandRunner>()));
        var lvm = dependencies.Lvm ?? new LvmCli(runner.Value, new LvmOptions(), loggerFactory.CreateLogger<LvmCli>());
        var filesystem = dependencies.Filesystem ?? new LinuxFilesystemOps(runner.Value, new LinuxFilesystemOpsOptions(), loggerFactory.CreateLogger<LinuxFilesystemOps>());
        var encryption = dependencies.Encryption ?? new LuksCli(runner.Value, new LuksOptions(), loggerFactory.CreateLogger<LuksCli>());
        return Create(lvm, filesystem, classes, options, loggerFactory, encryption);
    }

    /// <summary>Composes the engine.</summary>
    /// <param name="lvm">LVM (the real <see cref="LvmCli"/>, or a simulator in tests).</param>
    /// <param name="filesystem">The host's devices, filesystems and mounts.</param>
    /// <param name="classes">The current device classes (a function, so a reload can swap them).</param>
    /// <param name="options">Node settings.</param>
    /// <param name="loggerFactory">Loggers.</param>
    /// <param name="encryption">Per-volume encryption; null: cryptsetup over a runner of its own.</param>
    public static NodeEngine Create(
        ILvm lvm, IFilesystemOps filesystem, Func<DeviceClassManager> classes, VolumeEngineOptions options, ILoggerFactory loggerFactory,
        IVolumeEncryption? encryption = null)
    {
        ArgumentNullException.ThrowIfNull(lvm);
        ArgumentNullException.ThrowIfNull(filesystem);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var catalog = new VolumeCatalog(lvm, loggerFactory.CreateLogger<VolumeCatalog>());
        var capacity = new CapacityCache(lvm, catalog, loggerFactory.CreateLogger<CapacityCache>());
        var locks = new VolumeLocks();
        var volumes = new VolumeEngine(lvm, catalog, classes, capacity, locks, filesystem, options, loggerFactory.CreateLogger<VolumeEngine>());
        encryption ??= new LuksCli(new CommandRunner(new CommandRunnerOptions(), loggerFactory.CreateLogger<CommandRunner>()), new LuksOptions(), loggerFactory.CreateLogger<LuksCli>());
        var node = new NodeVolumes(
            lvm, catalog, classes, locks, capacity, filesystem, loggerFactory.CreateLogger<NodeVolumes>(), encryption, new PodCgroups(options.CgroupRoot)) { Thin = volumes.Thin };
        return new NodeEngine(catalog, capacity, volumes, node);
    }

    /// <summary>Rediscovers the node's volumes and fills the capacity figures (see <see cref="VolumeEngine.StartAsync"/>).</summary>
    public Task StartAsync(CancellationToken cancellationToken) => Volumes.StartAsync(cancellationToken);

    /// <summary>Lets the background markings of created volumes finish, then stops the periodic refresh.</summary>
    public async ValueTask DisposeAsync()
    {
        await Catalog.WhenAllCompletedAsync().ConfigureAwait(false);
        await Capacity.DisposeAsync().ConfigureAwait(false);
    }
}
