using Stratum.Volumes.Platform;

namespace Stratum.Volumes.Filesystems;

/// <summary>
/// The node-side operations on block devices and mounts. The real implementation runs the
/// standard tools (blkid, mkfs.*, mount, umount, resize2fs, xfs_growfs, btrfs, blockdev) through the
/// one command runner and reads the kernel's mount table; each call does exactly one thing and never
/// decides policy (the node engine does: e.g. never format a device that is not blank).
/// </summary>
/// <remarks>
/// Failures, for every method: <see cref="FilesystemCommandException"/> when a tool fails, times
/// out or is not installed; <see cref="ArgumentException"/> for a path that is not absolute or a
/// device that is not a block device, and its subtype <see cref="InvalidMountOptionException"/>
/// for a refused mount option (nothing is run then); <see cref="FileNotFoundException"/> for a
/// device that does not exist; <see cref="OperationCanceledException"/> when the token is
/// cancelled (the tool's process tree is killed, so its effect is unknown).
/// </remarks>
public interface IFilesystemOps
{
    /// <summary>
    /// Probes the device for any signature (filesystem, partition table, RAID, LVM, crypto...).
    /// A device with several signatures is reported as not blank with usage <c>ambivalent</c>.
    /// </summary>
    Task<DeviceContents> ProbeAsync(string device, CancellationToken cancellationToken);

    /// <summary>Creates a filesystem on the device. Callers must have probed it blank.</summary>
    Task FormatAsync(string device, FilesystemType type, CancellationToken cancellationToken);

    /// <summary>
    /// Mounts the filesystem on <paramref name="device"/> at the existing directory <paramref name="target"/>.
    /// <paramref name="options"/> must pass <see cref="MountOptions.Validate"/>.
    /// </summary>
    Task MountAsync(string device, string target, FilesystemType type, IReadOnlyList<string> options, CancellationToken cancellationToken);

    /// <summary>
    /// Bind-mounts <paramref name="source"/> (a directory, or a device node) onto <paramref name="target"/>
    /// (an existing directory, or an existing file for a device node); read-only when asked, which is
    /// verified in the mount table. <paramref name="options"/> (per-mount flags such as <c>nosuid</c>)
    /// are applied by a remount and must pass <see cref="MountOptions.Validate"/>. When the remount or
    /// the verification fails, the bind mount is undone before the exception is thrown.
    /// </summary>
    Task BindMountAsync(string source, string target, bool readOnly, IReadOnlyList<string> options, CancellationToken cancellationToken);

    /// <summary>Unmounts the topmost mount at <paramref name="target"/> (never lazily, never forced).</summary>
    Task UnmountAsync(string target, CancellationToken cancellationToken);

    /// <summary>Grows the mounted filesystem to fill its (already extended) device.</summary>
    Task GrowAsync(string device, string mountPoint, FilesystemType type, CancellationToken cancellationToken);

    /// <summary>The size of the block device in bytes (<c>blockdev --getsize64</c>).</summary>
    Task<long> GetBlockDeviceSizeAsync(string device, CancellationToken cancellationToken);

    /// <summary>The current mount table (<c>/proc/self/mountinfo</c>).</summary>
    IReadOnlyList<MountEntry> ReadMounts();

    /// <summary>statvfs of a path on a mounted filesystem.</summary>
    FilesystemStats GetStats(string path);
}
