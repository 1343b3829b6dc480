using Stratum.Volumes.Filesystems;

namespace Stratum.Volumes.Disks;

/// <summary>What sysfs says of one block device (a disk, a partition, a device-mapper or loop device).</summary>
public sealed record BlockDevice
{
    /// <summary>The kernel's name: <c>vdb</c>, <c>vdb1</c>, <c>dm-3</c>, <c>loop0</c>.</summary>
    public required string Name { get; init; }

    public required DeviceNumber Number { get; init; }

    public required long SizeBytes { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>Removable media (USB sticks, card readers, CD drives); for a partition, its disk's flag.</summary>
    public bool Removable { get; init; }

    /// <summary>For a partition, the kernel name of its disk.</summary>
    public string? Parent { get; init; }

    /// <summary>For a disk, the kernel names of its partitions.</summary>
    public IReadOnlyList<string> Partitions { get; init; } = [];

    /// <summary>Devices built on this one (<c>holders/</c>): device-mapper targets, md arrays, bcache.</summary>
    public IReadOnlyList<string> Holders { get; init; } = [];

    /// <summary>Devices this one is built on (<c>slaves/</c>), for device-mapper and md devices.</summary>
    public IReadOnlyList<string> Slaves { get; init; } = [];

    /// <summary>The device-mapper name (<c>dm/name</c>), for dm devices.</summary>
    public string? DeviceMapperName { get; init; }

    /// <summary>The device-mapper UUID (<c>dm/uuid</c>): <c>LVM-...</c> for LVs, <c>CRYPT-...</c> for dm-crypt, empty for plain dmsetup tables.</summary>
    public string? DeviceMapperUuid { get; init; }

    /// <summary>The file a loop device reads (<c>loop/backing_file</c>).</summary>
    public string? LoopBackingFile { get; init; }

    /// <summary><c>/dev/NAME</c>, the node devtmpfs always creates.</summary>
    public string KernelPath => "/dev/" + Name;

    public bool IsPartition => Parent is not null;

    public bool IsDeviceMapper => DeviceMapperName is not null;

    public bool IsLoop => Name.StartsWith("loop", StringComparison.Ordinal);

    /// <summary>A device LVM activated (an LV or one of its hidden sub-LVs).</summary>
    public bool IsLvmMade => DeviceMapperUuid?.StartsWith("LVM-", StringComparison.Ordinal) == true;

    /// <summary>How messages name it: <c>vdb</c>, or <c>dm-0 (vg-lv)</c>.</summary>
    public string Label => DeviceMapperName is { Length: > 0 } dm ? $"{Name} ({dm})" : Name;
}
