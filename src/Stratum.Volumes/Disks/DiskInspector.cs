using Stratum.Volumes.Filesystems;
using Stratum.Platform;

namespace Stratum.Volumes.Disks;

/// <summary>
/// The safety rules a disk must pass before anything looks at its contents: it is not behind
/// <c>/</c> or <c>/boot</c>, not read-only or removable, not tiny, not made by LVM (never one of
/// Stratum's own volumes as a PV: the LVMS#97 trap), not a loop device over an LVM volume, not
/// mounted, not held by another device, not partitioned, and not a partition of a disk in use.
/// Built once per scan from the mount table; pure otherwise.
/// </summary>
internal sealed class DiskInspector
{
    /// <summary>Smaller disks are refused: a PV needs room for LVM's metadata and a few extents.</summary>
    public const long MinSizeBytes = 16L << 20;

    private static readonly string[] SystemMountPoints = ["/", "/boot", "/boot/efi"];

    private readonly IDiskHost _host;
    private readonly IReadOnlyList<MountEntry> _mounts;
    private readonly Dictionary<DeviceNumber, string> _mounted = [];
    private readonly Dictionary<string, string> _system = new(StringComparer.Ordinal);

    public DiskInspector(IDiskHost host)
    {
        _host = host;
        _mounts = host.Mounts();
        foreach (var mount in _mounts)
        {
            if (NumberOf(mount) is not { } number)
            {
                continue;
            }

            _mounted.TryAdd(number, mount.MountPoint);
            if (SystemMountPoints.Contains(mount.MountPoint, StringComparer.Ordinal) && host.Describe(number) is { } device)
            {
                AddAncestry(device, mount.MountPoint, depth: 0);
            }
        }
    }

    /// <summary>Why <paramref name="device"/> must not be touched, or null when its contents may be probed.</summary>
    /// <param name="ownVolume">Names the Stratum volume behind a device-mapper name, or null when it is none.</param>
    public string? Refusal(BlockDevice device, Func<string, string?> ownVolume)
    {
        if (_system.TryGetValue(device.Name, out var mountPoint))
        {
            return $"holds {mountPoint}, the system's own filesystem";
        }

        if (device.Parent is { } parent && _system.TryGetValue(parent, out var parentMount))
        {
            return $"is a partition of {parent}, which holds {parentMount}";
        }

        if (device.ReadOnly)
        {
            return "is read-only";
        }

        if (device.Removable)
        {
            return "is removable media";
        }

        if (device.SizeBytes < MinSizeBytes)
        {
            return device.SizeBytes == 0 ? "has no medium (size 0)" : $"is smaller than {MinSizeBytes >> 20} MiB";
        }

        if (device.IsLvmMade)
        {
            return ownVolume(device.DeviceMapperName ?? string.Empty) is { } volume
                ? $"is one of Stratum's own volumes ({volume})"
                : $"is a device LVM made ({device.DeviceMapperName}); a physical volume on a logical volume is never what is meant";
        }

        if (device.IsLoop && LoopRefusal(device) is { } loop)
        {
            return loop;
        }

        if (_mounted.TryGetValue(device.Number, out var at))
        {
            return $"is mounted at {at}";
        }

        if (device.Holders.Count > 0)
        {
            return $"is in use: held by {Labels(device.Holders)}";
        }

        if (device.Partitions.Count > 0)
        {
            return $"has partitions ({string.Join(", ", device.Partitions)})";
        }

        if (device.Parent is { } disk && _host.Describe(disk) is { } parentDevice)
        {
            foreach (var sibling in parentDevice.Partitions.Where(p => p != device.Name).Select(_host.Describe).OfType<BlockDevice>())
            {
                if (_mounted.TryGetValue(sibling.Number, out var siblingMount))
                {
                    return $"is a partition of {disk}, which is in use ({sibling.Name} is mounted at {siblingMount})";
                }

                if (sibling.Holders.Count > 0)
                {
                    return $"is a partition of {disk}, which is in use ({sibling.Name} is held by {Labels(sibling.Holders)})";
                }
            }
        }

        return null;
    }

    private string? LoopRefusal(BlockDevice device)
    {
        var backing = device.LoopBackingFile;
        if (string.IsNullOrEmpty(backing))
        {
            return "is a loop device with no backing file";
        }

        // A file on a filesystem mounted from an LV, or an LV itself, under a loop device.
        var under = _host.BlockDeviceNumber(backing) is { } direct
            ? _host.Describe(direct)
            : _mounts
                .Where(m => backing.StartsWith(m.MountPoint.TrimEnd('/') + "/", StringComparison.Ordinal) || m.MountPoint == "/")
                .OrderByDescending(m => m.MountPoint.Length)
                .Select(m => NumberOf(m) is { } number ? _host.Describe(number) : null)
                .FirstOrDefault();
        return under?.IsLvmMade == true ? $"is a loop device over an LVM volume ({under.Label}, file {backing})" : null;
    }

    private void AddAncestry(BlockDevice device, string mountPoint, int depth)
    {
        if (depth > 16 || !_system.TryAdd(device.Name, mountPoint))
        {
            return;
        }

        if (device.Parent is { } parent && _host.Describe(parent) is { } disk)
        {
            AddAncestry(disk, mountPoint, depth + 1);
        }

        foreach (var slave in device.Slaves.Select(_host.Describe).OfType<BlockDevice>())
        {
            AddAncestry(slave, mountPoint, depth + 1);
        }
    }

    /// <summary>The mount's block device: its device number, or (btrfs reports an anonymous 0:N) its source path's.</summary>
    private DeviceNumber? NumberOf(MountEntry mount) =>
        mount.DeviceMajor != 0 ? new DeviceNumber(mount.DeviceMajor, mount.DeviceMinor)
        : mount.Source.StartsWith("/dev/", StringComparison.Ordinal) ? _host.BlockDeviceNumber(mount.Source)
        : null;

    private string Labels(IReadOnlyList<string> names) =>
        string.Join(", ", names.Select(n => _host.Describe(n)?.Label ?? n));
}
