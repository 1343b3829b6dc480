using Stratum.Volumes.Filesystems;
using System.Globalization;
using Stratum.Platform;

namespace Stratum.Volumes.Disks;

/// <summary><see cref="IDiskHost"/> over <c>/sys</c>, <c>/dev</c> and <c>/proc</c>.</summary>
public sealed class LinuxDiskHost : IDiskHost
{
    private readonly string _sys;
    private readonly IReadOnlyList<string> _mountTables;

    /// <param name="sysRoot">Where sysfs is mounted.</param>
    /// <param name="mountTables">mountinfo files to read; by default this process's and PID 1's.</param>
    public LinuxDiskHost(string sysRoot = "/sys", IReadOnlyList<string>? mountTables = null)
    {
        _sys = sysRoot;
        _mountTables = mountTables ?? [MountInfo.SelfPath, "/proc/1/mountinfo"];
    }

    public IReadOnlyList<string> ListDirectory(string directory)
    {
        try
        {
            return [.. Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).OfType<string>()];
        }
        catch (Exception e) when (e is DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public DeviceNumber? BlockDeviceNumber(string path)
    {
        try
        {
            var status = FileStatus.StatFollow(path);
            return status.Kind == FileKind.BlockDevice ? new DeviceNumber(status.DeviceMajor, status.DeviceMinor) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public BlockDevice? Describe(DeviceNumber number) => Read(Path.Combine(_sys, "dev", "block", number.ToString()));

    public BlockDevice? Describe(string kernelName) =>
        kernelName.Contains('/', StringComparison.Ordinal) ? null : Read(Path.Combine(_sys, "class", "block", kernelName));

    public IReadOnlyList<MountEntry> Mounts()
    {
        var mounts = new List<MountEntry>();
        foreach (var table in _mountTables)
        {
            try
            {
                mounts.AddRange(MountInfo.Parse(File.ReadAllText(table)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // PID 1's table is only readable with hostPID; this process's own is always there.
            }
        }

        return mounts;
    }

    private BlockDevice? Read(string link)
    {
        string directory;
        try
        {
            var target = new DirectoryInfo(link).ResolveLinkTarget(returnFinalTarget: true);
            directory = target?.FullName ?? link;
            if (!Directory.Exists(directory))
            {
                return null;
            }
        }
        catch (IOException)
        {
            return null;
        }

        var name = Path.GetFileName(directory);
        var isPartition = File.Exists(Path.Combine(directory, "partition"));
        var parentDirectory = Path.GetDirectoryName(directory)!;
        var number = Text(directory, "dev")?.Split(':') is [var major, var minor]
            ? new DeviceNumber(uint.Parse(major, CultureInfo.InvariantCulture), uint.Parse(minor, CultureInfo.InvariantCulture))
            : (DeviceNumber?)null;
        if (number is null)
        {
            return null;
        }

        return new BlockDevice
        {
            Name = name,
            Number = number.Value,
            SizeBytes = long.TryParse(Text(directory, "size"), NumberStyles.None, CultureInfo.InvariantCulture, out var sectors) ? sectors * 512 : 0,
            ReadOnly = Text(directory, "ro") == "1",
            Removable = Text(isPartition ? parentDirectory : directory, "removable") == "1",
            Parent = isPartition ? Path.GetFileName(parentDirectory) : null,
            Partitions = isPartition ? [] : [.. Entries(directory).Where(e => File.Exists(Path.Combine(directory, e, "partition"))).Order(StringComparer.Ordinal)],
            Holders = Entries(Path.Combine(directory, "holders")),
            Slaves = Entries(Path.Combine(directory, "slaves")),
            DeviceMapperName = Text(directory, "dm/name"),
            DeviceMapperUuid = Text(directory, "dm/uuid"),
            LoopBackingFile = Text(directory, "loop/backing_file"),
        };
    }

    private static string? Text(string directory, string file)
    {
        try
        {
            return File.ReadAllText(Path.Combine(directory, file)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IReadOnlyList<string> Entries(string directory)
    {
        try
        {
            return [.. Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
