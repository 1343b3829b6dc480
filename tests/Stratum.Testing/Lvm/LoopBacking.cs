using System.Globalization;
using Stratum.Lvm;
using Stratum.Platform.Exec;

namespace Stratum.Testing.Lvm;

/// <summary>
/// Device backing of the simulator: a sparse file per LV under <c>{root}/data</c>, a loop device
/// attached while the LV is active, and a symlink <c>{root}/dev/VG/LV</c> to it.
/// </summary>
internal sealed class LoopBacking(string root, ICommandRunner runner, string mountInfoPath)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DetachGracePeriod = TimeSpan.FromSeconds(10);

    public string DataDirectory { get; } = Path.Combine(root, "data");

    public string DevDirectory { get; } = Path.Combine(root, "dev");

    public string LinkPath(string vg, string lv) => Path.Combine(DevDirectory, vg, lv);

    public string NewFilePath(string vg, string lv, string uuid) => Path.Combine(DataDirectory, vg, $"{lv}-{uuid}.img");

    public static void CreateFile(string path, long sizeBytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        stream.SetLength(sizeBytes);
    }

    public async Task CopyFileAsync(string source, string destination, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        await RunAsync("cp", ["--sparse=always", source, destination], cancellationToken).ConfigureAwait(false);
    }

    public static void GrowFile(string path, long sizeBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        if (stream.Length < sizeBytes)
        {
            stream.SetLength(sizeBytes);
        }
    }

    /// <summary>Attaches the LV's file to a free loop device and links <c>dev/VG/LV</c> to it.</summary>
    public async Task AttachAsync(SimLv lv, CancellationToken cancellationToken)
    {
        var file = lv.BackingFile ?? throw new InvalidOperationException($"{lv.FullName} has no backing file");
        var result = await RunAsync("losetup", ["--find", "--show", file], cancellationToken).ConfigureAwait(false);
        var device = result.StandardOutput.Trim();
        var (major, minor) = ReadDeviceNumbers(device);
        var link = LinkPath(lv.Vg.Name, lv.Name);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.Delete(link);
        File.CreateSymbolicLink(link, device);
        lv.LoopDevice = device;
        lv.LoopMajor = major;
        lv.LoopMinor = minor;
    }

    /// <summary>Removes the link and detaches the loop device.</summary>
    public async Task DetachAsync(SimLv lv, CancellationToken cancellationToken)
    {
        File.Delete(LinkPath(lv.Vg.Name, lv.Name));
        if (lv.LoopDevice is { } device)
        {
            await RunAsync("losetup", ["--detach", device], cancellationToken).ConfigureAwait(false);
            await WaitUntilDetachedAsync(device, lv.BackingFile!).ConfigureAwait(false);
        }

        lv.LoopDevice = null;
        lv.LoopMajor = null;
        lv.LoopMinor = null;
    }

    /// <summary>
    /// <c>losetup -d</c> only marks a device that something else still has open (a udev probe, a
    /// concurrent reader) for automatic detach on last close; wait for that, as LVM's deactivation
    /// is complete when it returns. A device still attached after the grace period (e.g. lazily
    /// unmounted) is left to the kernel.
    /// </summary>
    private static async Task WaitUntilDetachedAsync(string device, string file)
    {
        var backingFile = Path.Combine("/sys/class/block", Path.GetFileName(device), "loop", "backing_file");
        var deadline = DateTime.UtcNow + DetachGracePeriod;
        while (DateTime.UtcNow < deadline)
        {
            string current;
            try
            {
                current = File.ReadAllText(backingFile).Trim();
            }
            catch (IOException)
            {
                return; // no backing file: detached
            }

            if (current != file)
            {
                return; // detached, and already reused for something else
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Makes an attached loop device pick up its grown file (<c>losetup -c</c>).</summary>
    public async Task RefreshCapacityAsync(SimLv lv, CancellationToken cancellationToken)
    {
        if (lv.LoopDevice is { } device)
        {
            await RunAsync("losetup", ["--set-capacity", device], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The <c>major:minor</c> of every mounted filesystem's device (bind mounts included).</summary>
    public HashSet<string> ReadMountedDevices()
    {
        var devices = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(mountInfoPath))
        {
            // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": field 3 is major:minor.
            var fields = line.Split(' ', 4);
            if (fields.Length >= 3)
            {
                devices.Add(fields[2]);
            }
        }

        return devices;
    }

    /// <summary>Why the LV's loop device is busy, or <c>null</c>.</summary>
    public static string? BusyReason(SimLv lv, HashSet<string> mounted)
    {
        if (lv.LoopDevice is null)
        {
            return null;
        }

        if (mounted.Contains($"{lv.LoopMajor}:{lv.LoopMinor}"))
        {
            return "contains a filesystem in use.";
        }

        var holders = Path.Combine("/sys/class/block", Path.GetFileName(lv.LoopDevice), "holders");
        return Directory.Exists(holders) && Directory.EnumerateFileSystemEntries(holders).Any()
            ? "is used by another device."
            : null;
    }

    private static (int Major, int Minor) ReadDeviceNumbers(string device)
    {
        var sys = Path.Combine("/sys/class/block", Path.GetFileName(device), "dev");
        var text = File.ReadAllText(sys).Trim();
        var parts = text.Split(':');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private async Task<CommandResult> RunAsync(string program, string[] args, CancellationToken cancellationToken)
    {
        var spec = new CommandSpec(program, args) { Timeout = CommandTimeout };
        CommandResult result;
        try
        {
            result = await runner.RunAsync(spec, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandException ex)
        {
            throw new LvmCommandFailedException($"simulated LVM device backing: {spec} could not run: {ex.Message}", [program, .. args], null, null, ex);
        }

        return result.Succeeded
            ? result
            : throw new LvmCommandFailedException(
                $"simulated LVM device backing: {spec} failed with exit code {result.ExitCode}: {result.StandardError.Trim()}",
                [program, .. args], result.ExitCode, result.StandardError);
    }
}
