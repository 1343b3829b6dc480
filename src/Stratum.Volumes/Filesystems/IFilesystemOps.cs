using Stratum.Config;
using Stratum.Volumes.Platform;

namespace Stratum.Volumes.Filesystems;

/// <summary>
/// The node-side operations on block devices and mounts. The real implementation runs the
/// standard tools (blkid, mkfs.*, mount, umount, resize2fs, xfs_growfs, btrfs) through the one
/// command runner and reads the kernel's mount table; each call does exactly one thing and never
/// decides policy (the node engine does: e.g. never format a device that is not blank).
/// </summary>
public interface IFilesystemOps
{
    /// <summary>Probes the device for any signature (filesystem, partition table, RAID, LVM, crypto...).</summary>
    Task<DeviceContents> ProbeAsync(string device, CancellationToken cancellationToken);

    /// <summary>Creates a filesystem on the device. Callers must have probed it blank.</summary>
    Task FormatAsync(string device, FileSystemType type, CancellationToken cancellationToken);

    /// <summary>Mounts the filesystem on <paramref name="device"/> at the existing directory <paramref name="target"/>.</summary>
    Task MountAsync(string device, string target, FileSystemType type, IReadOnlyList<string> options, CancellationToken cancellationToken);

    /// <summary>
    /// Bind-mounts <paramref name="source"/> (a directory, or a device node) onto <paramref name="target"/>
    /// (an existing directory, or an existing file for a device node); read-only when asked.
    /// </summary>
    Task BindMountAsync(string source, string target, bool readOnly, IReadOnlyList<string> options, CancellationToken cancellationToken);

    /// <summary>Unmounts the topmost mount at <paramref name="target"/>.</summary>
    Task UnmountAsync(string target, CancellationToken cancellationToken);

    /// <summary>Grows the mounted filesystem to fill its (already extended) device.</summary>
    Task GrowAsync(string device, string mountPoint, FileSystemType type, CancellationToken cancellationToken);

    /// <summary>The current mount table (<c>/proc/self/mountinfo</c>).</summary>
    IReadOnlyList<MountEntry> ReadMounts();

    /// <summary>statvfs of a path on a mounted filesystem.</summary>
    FilesystemStats GetStats(string path);
}
