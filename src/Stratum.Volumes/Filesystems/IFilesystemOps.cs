using Stratum.Config;
using Stratum.Platform;

namespace Stratum.Volumes.Filesystems;

/// <summary>
/// The engine's seam to the host: block devices, filesystems, mounts and the files around them.
/// The real implementation runs the standard tools (blkid, mkfs.*, mount, umount, resize2fs,
/// xfs_growfs, btrfs, blkdiscard, dmsetup) through the one command runner and reads the kernel's
/// tables (mountinfo, sysfs); each call does exactly one thing and never decides policy (the
/// engine does: e.g. never format a device that is not blank). The engine touches the host only
/// through this interface, so its behaviour can be pinned with a fake and without root.
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

    /// <summary>
    /// Discards every block of the device (<c>blkdiscard</c>), bounded by its own timeout: a thin
    /// pool or an SSD gets the space back, and the data no longer reads back. A device whose queue
    /// takes no discards is left alone (<see cref="DiscardOutcome.NotSupported"/>).
    /// </summary>
    Task<DiscardOutcome> DiscardAsync(string device, CancellationToken cancellationToken);

    /// <summary>
    /// Copies the first <paramref name="bytes"/> of block device <paramref name="source"/> onto
    /// <paramref name="target"/> (<c>dd</c> with direct I/O, flushed before it returns), bounded by
    /// its own timeout: a thick snapshot, restore or clone. Unlike the other mutations, cancelling
    /// <paramref name="cancellationToken"/> stops the copy: callers pass a token only where the
    /// target is thrown away when the copy stops (a snapshot being deleted), never a caller's.
    /// </summary>
    Task CopyDeviceAsync(string source, string target, long bytes, CancellationToken cancellationToken);


    /// <summary>Creates a read-only device-mapper device <paramref name="name"/> mapping the whole of the block device <paramref name="backing"/> (linear, <paramref name="sectors"/> 512-byte sectors).</summary>
    Task CreateReadOnlyMappingAsync(string name, DeviceNumber backing, long sectors, CancellationToken cancellationToken);

    /// <summary>Gives an existing read-only mapping a new size (its backing device grew).</summary>
    Task ResizeReadOnlyMappingAsync(string name, DeviceNumber backing, long sectors, CancellationToken cancellationToken);

    /// <summary>Removes the device-mapper device <paramref name="name"/>.</summary>
    Task RemoveMappingAsync(string name, CancellationToken cancellationToken);

    /// <summary>The device-mapper devices whose names start with <paramref name="prefix"/> (read from sysfs, no command).</summary>
    IReadOnlyList<DeviceMapping> FindMappings(string prefix);

    /// <summary>The device-mapper name of a block device, or null when it is not a device-mapper device.</summary>
    string? DeviceMapperName(DeviceNumber device);

    /// <summary>
    /// The device-mapper device at <paramref name="path"/> (symbolic links followed): its name,
    /// UUID and size, read from sysfs (no command); null when the path is not a device-mapper device.
    /// </summary>
    DeviceMapperDevice? ReadDeviceMapperDevice(string path);

    /// <summary>The target types of the live table of the device-mapper device <paramref name="name"/> (<c>dmsetup table</c>), in order; a read.</summary>
    Task<IReadOnlyList<string>> MappingTargetsAsync(string name, CancellationToken cancellationToken);

    /// <summary>Reads the first block of <paramref name="device"/> past the page cache, waiting at most <paramref name="timeout"/> (see <see cref="BlockRead"/>).</summary>
    Task<BlockReadResult> ReadFirstBlockAsync(string device, TimeSpan timeout);

    /// <summary><c>lstat(2)</c>: what is at the path, a final symbolic link not followed.</summary>
    FileStatus Lstat(string path);

    /// <summary><c>stat(2)</c>: what is at the path, symbolic links followed.</summary>
    FileStatus Stat(string path);

    /// <summary>Creates a directory and any missing parents.</summary>
    void CreateDirectory(string path);

    /// <summary>Creates an empty regular file unless something exists at the path.</summary>
    void CreateFile(string path);

    /// <summary>
    /// Removes the path if it is an empty directory or an empty regular file (what a publish
    /// leaves); anything with content stays. Returns whether it removed something.
    /// </summary>
    bool RemoveIfEmpty(string path);
}

/// <summary>What <see cref="IFilesystemOps.DiscardAsync"/> did.</summary>
public enum DiscardOutcome
{
    /// <summary>Every block was discarded.</summary>
    Discarded,

    /// <summary>The device takes no discards (its queue's <c>discard_max_bytes</c> is 0); nothing was done.</summary>
    NotSupported,
}

/// <summary>A device-mapper device as sysfs shows it: <c>dm/name</c>, <c>dm/uuid</c> and its size in 512-byte sectors.</summary>
public sealed record DeviceMapperDevice(string Name, string Uuid, DeviceNumber Device, long Sectors);

/// <summary>A block device's device number (<c>major:minor</c>), the identity the kernel and LVM agree on.</summary>
public readonly record struct DeviceNumber(uint Major, uint Minor)
{
    public override string ToString() => $"{Major}:{Minor}";
}

/// <summary>A device-mapper device: its name, its own number, its size in 512-byte sectors, and the devices it maps.</summary>
public sealed record DeviceMapping(string Name, DeviceNumber Device, long Sectors, IReadOnlyList<DeviceNumber> Backing);
