using Stratum.Config;
using Stratum.Kube.Client;
using Stratum.Kube.Gc;
using Stratum.Kube.Modify;
using Stratum.Volumes;
using Stratum.Volumes.Disks;

namespace Stratum.Csi.Hosting;

/// <summary>
/// What the plugin runs on. Left empty, the real things are used (LVM and the filesystem tools
/// through the command runner, the configuration file); tests put an LVM simulator in place
/// (<see cref="EngineDependencies.Lvm"/>, <see cref="EngineDependencies.Filesystem"/>).
/// </summary>
public sealed record NodeDependencies : EngineDependencies
{
    /// <summary>Use this configuration instead of reading <see cref="NodeOptions.ConfigPath"/> (no hot reload then).</summary>
    public StratumConfig? Config { get; init; }

    /// <summary>What disk management sees of /dev, /sys and the mounts (default: the real ones).</summary>
    public IDiskHost? DiskHost { get; init; }

    /// <summary>
    /// Where the orphan GC reads PVs and PVCs (tests: the fake API server). Default: the in-cluster
    /// API when running in a pod, else no GC.
    /// </summary>
    public IClusterVolumeReader? Cluster { get; init; }

    /// <summary>
    /// The Kubernetes API the VolumeAttributesClass watcher reads (tests: the fake API server).
    /// Default: the in-cluster API when running in a pod, else no watcher.
    /// </summary>
    public KubeConnection? Kube { get; init; }

    /// <summary>The VolumeAttributesClass watcher's tuning (default: resync every 5 minutes).</summary>
    public VolumeAttributesOptions? AttributesOptions { get; init; }

    /// <summary>The orphan GC's clock (default: the system's).</summary>
    public TimeProvider? GcTime { get; init; }
}
