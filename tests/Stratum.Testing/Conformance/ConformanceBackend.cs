using Stratum.Lvm;

namespace Stratum.Testing.Conformance;

/// <summary>
/// What a conformance derivation provides: an LVM implementation with a fresh volume group of
/// its own, and a directory for the plugin's socket, staging and target paths. Natively that is
/// the loop-backed LVM simulator and a directory under /tmp; in the VM testbed it is real LVM on
/// real disks and a directory on /run (sockets and mount points cannot live on the 9p root).
/// </summary>
public sealed class ConformanceBackend : IAsyncDisposable
{
    private readonly Func<ValueTask>? _cleanup;

    /// <param name="lvm">The implementation under test, uninstrumented: the suite wraps it for the plugin and uses it directly to arrange and inspect.</param>
    /// <param name="volumeGroup">A fresh VG (no LVs) that belongs to this suite alone.</param>
    /// <param name="physicalVolumeCount">How many PVs the VG has: at least 2 (the striped and raid1 device classes need them), of at least 1.5 GiB each.</param>
    /// <param name="workDirectory">An existing, short (Unix socket paths are limited to 107 bytes) directory on a filesystem that can hold sockets and mount points.</param>
    /// <param name="cleanup">Removes the VG and whatever else the backend made; run after the suite unmounted everything below <paramref name="workDirectory"/>.</param>
    public ConformanceBackend(ILvm lvm, string volumeGroup, int physicalVolumeCount, string workDirectory, Func<ValueTask>? cleanup)
    {
        ArgumentNullException.ThrowIfNull(lvm);
        ArgumentException.ThrowIfNullOrEmpty(volumeGroup);
        ArgumentOutOfRangeException.ThrowIfLessThan(physicalVolumeCount, 2); // striped and raid1 need two
        ArgumentException.ThrowIfNullOrEmpty(workDirectory);
        Lvm = lvm;
        VolumeGroup = volumeGroup;
        PhysicalVolumeCount = physicalVolumeCount;
        WorkDirectory = workDirectory;
        _cleanup = cleanup;
    }

    public ILvm Lvm { get; }

    public string VolumeGroup { get; }

    public int PhysicalVolumeCount { get; }

    public string WorkDirectory { get; }

    /// <summary>
    /// Whether a mounted ext4 can be grown here: the kernel demands CAP_SYS_RESOURCE, which the
    /// native sandbox lacks (xfs and btrfs grow without it). Where false, the suite checks that a
    /// failed ext4 grow is reported and loses nothing; the VM covers the successful grow.
    /// </summary>
    public bool CanGrowExt4Online { get; init; } = true;

    public ValueTask DisposeAsync() => _cleanup?.Invoke() ?? ValueTask.CompletedTask;
}
