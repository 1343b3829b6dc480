using Stratum.Config;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Stratum.Platform.Exec;
using Stratum.Platform;

namespace Stratum.Volumes.Filesystems;

/// <summary>
/// <see cref="IFilesystemOps"/> over the standard Linux tools, every one started through the
/// <see cref="ICommandRunner"/>. Each method runs the one tool that does the job and reports what it
/// did; deciding whether to do it (never format a device that holds data, never mount twice...)
/// is the engine's job.
/// </summary>
/// <remarks>
/// <para>Commands (argv, no shell):</para>
/// <list type="table">
/// <item><term>probe</term><description><c>blkid -p -o export DEVICE</c>: low-level superblock and partition-table
///   probing, bypassing the blkid cache. Exit 0 parses TYPE/USAGE (or PTTYPE, reported as usage
///   "partition table"); exit 2 with no output at all means nothing was found; exit 8 means several
///   signatures ("ambivalent", never blank); anything else fails. blkid also exits 2 silently for a
///   path that does not exist, so the device is first checked to be an existing block device.</description></item>
/// <item><term>ext4</term><description><c>mkfs.ext4 -q -b 4096 -m 0 -E lazy_itable_init=1 DEVICE</c>: 4 KiB blocks whatever
///   the initial size (mke2fs would pick 1 KiB blocks below 512 MiB, kept forever by every later
///   online grow); no blocks reserved for root (the volume belongs to one workload, and 5% of it would
///   be invisible to non-root pods); inode tables zeroed lazily by the kernel after mount, so mkfs time
///   does not grow with the volume (the journal is still zeroed: a crash cannot replay stale
///   blocks). No <c>-F</c>: mke2fs never prompts without a terminal, so <c>-F</c> only overrides its
///   remaining sanity checks, which Stratum wants kept.</description></item>
/// <item><term>xfs</term><description><c>mkfs.xfs -q DEVICE</c>, never <c>-f</c>: mkfs.xfs refuses a device that holds any signature.
///   xfsprogs 5.19 and later refuse filesystems under 300 MB.</description></item>
/// <item><term>btrfs</term><description><c>mkfs.btrfs -q DEVICE</c>, never <c>-f</c> (same refusal). The minimum is about 109 MiB.</description></item>
/// <item><term>mount</term><description><c>mount -t TYPE [-o OPTS] DEVICE TARGET</c>. Both source and target are given, so
///   fstab is never consulted.</description></item>
/// <item><term>bind</term><description><c>mount --bind SOURCE TARGET</c>, then, when read-only or options are asked for,
///   <c>mount -o remount,bind[,OPTS][,ro] TARGET</c>, then (read-only) a mountinfo check that the
///   mount really is read-only. Two calls because util-linux 2.38's one-call <c>--bind -o ro</c>
///   issues its own remount with only the flags given, silently dropping the nosuid/nodev/noexec
///   the bind inherited from its source; the target-only remount makes libmount merge the mount's
///   current flags. <c>ro</c> comes last so no user option can turn it back into <c>rw</c>. If
///   the remount or the check fails, the bind mount is undone.</description></item>
/// <item><term>unmount</term><description><c>umount TARGET</c>; never lazy, never forced.</description></item>
/// <item><term>grow</term><description><c>resize2fs DEVICE</c> (ext4, online; needs CAP_SYS_RESOURCE),
///   <c>xfs_growfs -d MOUNTPOINT</c>, <c>btrfs filesystem resize max MOUNTPOINT</c>.</description></item>
/// <item><term>size</term><description><c>blockdev --getsize64 DEVICE</c>.</description></item>
/// <item><term>discard</term><description><c>blkdiscard --step 1G DEVICE</c> (never <c>--force</c>: it refuses a device
///   that is open, e.g. mounted), only when the device's queue takes discards; one GiB per
///   request, so its timeout can stop it between requests.</description></item>
/// <item><term>read-only mapping</term><description><c>dmsetup create --readonly NAME --table "0 SECTORS linear MAJ:MIN 0"</c>;
///   <c>dmsetup load --readonly</c> and <c>dmsetup resume</c> to resize it; <c>dmsetup remove NAME</c>.</description></item>
/// </list>
/// <para>Every path must be absolute, so none can be mistaken for an option. Mount options pass
/// <see cref="MountOptions.Validate"/>. Everything that changes the host (mkfs, mount, umount,
/// grow, blkdiscard, dmsetup) runs as a mutation (<see cref="CommandSpec.Mutates"/>): a caller that
/// gives up does not cut it off half-way.</para>
/// </remarks>
public sealed class LinuxFilesystemOps : IFilesystemOps
{
    private readonly ICommandRunner _runner;
    private readonly LinuxFilesystemOpsOptions _options;
    private readonly ILogger<LinuxFilesystemOps> _logger;
    private readonly FilesystemHost _host;

    /// <summary>Creates the filesystem layer over a command runner.</summary>
    public LinuxFilesystemOps(ICommandRunner runner, LinuxFilesystemOpsOptions options, ILogger<LinuxFilesystemOps> logger)
        : this(runner, options, logger, FilesystemHost.Native)
    {
    }

    internal LinuxFilesystemOps(ICommandRunner runner, LinuxFilesystemOpsOptions options, ILogger<LinuxFilesystemOps> logger, FilesystemHost host)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(host);
        _runner = runner;
        _options = options;
        _logger = logger;
        _host = host;
    }

    /// <inheritdoc />
    public async Task<DeviceContents> ProbeAsync(string device, CancellationToken cancellationToken)
    {
        RequireBlockDevice(device, nameof(device));
        var spec = new CommandSpec("blkid", "-p", "-o", "export", device) { Timeout = _options.CommandTimeout };
        var result = await RunAsync($"Probing {device}", spec, cancellationToken).ConfigureAwait(false);

        DeviceContents contents;
        switch (result.ExitCode)
        {
            case 0:
                contents = BlkidExport.ToContents(BlkidExport.Parse(result.StandardOutput));
                break;
            case 2 when string.IsNullOrWhiteSpace(result.StandardOutput) && string.IsNullOrWhiteSpace(result.StandardError):
                contents = DeviceContents.Blank;
                break;
            case 8:
                FilesystemLog.Ambivalent(_logger, device, Summarize(result.StandardError));
                contents = new DeviceContents(false, null, BlkidExport.AmbivalentUsage);
                break;
            default:
                throw Failure($"Probing {device}", spec, result);
        }

        FilesystemLog.Probed(_logger, device, contents.ToString());
        return contents;
    }

    /// <inheritdoc />
    public async Task FormatAsync(string device, FileSystemType type, CancellationToken cancellationToken)
    {
        RequireBlockDevice(device, nameof(device));
        var spec = type switch
        {
            FileSystemType.Ext4 => new CommandSpec("mkfs.ext4", "-q", "-b", "4096", "-m", "0", "-E", "lazy_itable_init=1", device),
            FileSystemType.Xfs => new CommandSpec("mkfs.xfs", "-q", device),
            FileSystemType.Btrfs => new CommandSpec("mkfs.btrfs", "-q", device),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown filesystem type."),
        };

        var started = Stopwatch.GetTimestamp();
        await RunCheckedAsync($"Creating {type.ToName()} on {device}", spec with { Timeout = _options.FormatTimeout, Mutates = true }, cancellationToken).ConfigureAwait(false);
        FilesystemLog.Formatted(_logger, type.ToName(), device, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <inheritdoc />
    public async Task MountAsync(string device, string target, FileSystemType type, IReadOnlyList<string> options, CancellationToken cancellationToken)
    {
        RequireBlockDevice(device, nameof(device));
        RequireAbsolute(target, nameof(target));
        MountOptions.Validate(options, nameof(options));

        List<string> args = ["-t", type.ToName()];
        if (options.Count > 0)
        {
            args.AddRange(["-o", string.Join(',', options)]);
        }

        args.AddRange([device, target]);
        var spec = new CommandSpec("mount", args) { Timeout = _options.CommandTimeout, Mutates = true };
        await RunCheckedAsync($"Mounting {device} on {target}", spec, cancellationToken).ConfigureAwait(false);
        FilesystemLog.Mounted(_logger, device, type.ToName(), target, string.Join(',', options));
    }

    /// <inheritdoc />
    public async Task BindMountAsync(string source, string target, bool readOnly, IReadOnlyList<string> options, CancellationToken cancellationToken)
    {
        RequireAbsolute(source, nameof(source));
        RequireAbsolute(target, nameof(target));
        MountOptions.Validate(options, nameof(options));

        var bind = new CommandSpec("mount", "--bind", source, target) { Timeout = _options.CommandTimeout, Mutates = true };
        await RunCheckedAsync($"Bind-mounting {source} on {target}", bind, cancellationToken).ConfigureAwait(false);

        if (readOnly || options.Count > 0)
        {
            // The bind mount exists now: finish it or undo it whatever happens to the caller's token,
            // so a cancelled call never leaves a writable mount where a read-only one was asked for.
            string[] remountOptions = ["remount", "bind", .. options, .. readOnly ? (string[])["ro"] : []];
            var remount = new CommandSpec("mount", "-o", string.Join(',', remountOptions), target) { Timeout = _options.CommandTimeout, Mutates = true };
            try
            {
                await RunCheckedAsync($"Remounting the bind mount on {target}", remount, CancellationToken.None).ConfigureAwait(false);
                if (readOnly)
                {
                    VerifyReadOnly(target, remount);
                }
            }
            catch (Exception ex)
            {
                // Whatever went wrong (the remount, reading or parsing the mount table), the bind
                // mount must not stay behind without the flags that were asked for.
                await UndoBindAsync(source, target, ex).ConfigureAwait(false);
                throw;
            }
        }

        FilesystemLog.BindMounted(_logger, source, target, readOnly ? "read-only" : "read-write", string.Join(',', options));
    }

    /// <inheritdoc />
    public async Task UnmountAsync(string target, CancellationToken cancellationToken)
    {
        RequireAbsolute(target, nameof(target));
        var spec = new CommandSpec("umount", target) { Timeout = _options.CommandTimeout, Mutates = true };
        await RunCheckedAsync($"Unmounting {target}", spec, cancellationToken).ConfigureAwait(false);
        FilesystemLog.Unmounted(_logger, target);
    }

    /// <inheritdoc />
    public async Task GrowAsync(string device, string mountPoint, FileSystemType type, CancellationToken cancellationToken)
    {
        RequireBlockDevice(device, nameof(device));
        RequireAbsolute(mountPoint, nameof(mountPoint));
        var spec = type switch
        {
            FileSystemType.Ext4 => new CommandSpec("resize2fs", device),
            FileSystemType.Xfs => new CommandSpec("xfs_growfs", "-d", mountPoint),
            FileSystemType.Btrfs => new CommandSpec("btrfs", "filesystem", "resize", "max", mountPoint),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown filesystem type."),
        };
        spec = spec with { Timeout = _options.GrowTimeout, Mutates = true };

        var action = $"Growing {type.ToName()} on {device} (mounted at {mountPoint})";
        var started = Stopwatch.GetTimestamp();
        var result = await RunAsync(action, spec, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            var hint = type == FileSystemType.Ext4 && result.StandardError.Contains("Permission denied", StringComparison.Ordinal)
                ? " (online ext4 resize needs the CAP_SYS_RESOURCE capability)"
                : string.Empty;
            throw Failure(action, spec, result, hint);
        }

        FilesystemLog.Grown(_logger, type.ToName(), device, mountPoint, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <inheritdoc />
    public async Task<long> GetBlockDeviceSizeAsync(string device, CancellationToken cancellationToken)
    {
        RequireBlockDevice(device, nameof(device));
        var spec = new CommandSpec("blockdev", "--getsize64", device) { Timeout = _options.CommandTimeout };
        var action = $"Reading the size of {device}";
        var result = await RunCheckedAsync(action, spec, cancellationToken).ConfigureAwait(false);
        if (!long.TryParse(result.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
        {
            throw new FilesystemCommandException(
                $"{action} failed: '{spec}' printed '{Summarize(result.StandardOutput)}' instead of a byte count",
                Argv(spec), result.ExitCode, result.StandardError);
        }

        return bytes;
    }

    /// <inheritdoc />
    public IReadOnlyList<MountEntry> ReadMounts() => _host.ReadMounts();

    /// <inheritdoc />
    public FilesystemStats GetStats(string path)
    {
        RequireAbsolute(path, nameof(path));
        return FilesystemStats.Of(path);
    }

    /// <inheritdoc />
    public async Task<DiscardOutcome> DiscardAsync(string device, CancellationToken cancellationToken)
    {
        var node = RequireBlockDevice(device, nameof(device));
        var limit = ReadSysfs($"dev/block/{node.DeviceMajor}:{node.DeviceMinor}/queue/discard_max_bytes");
        if (limit is null or "0")
        {
            FilesystemLog.DiscardUnsupported(_logger, device);
            return DiscardOutcome.NotSupported;
        }

        var spec = new CommandSpec("blkdiscard", "--step", "1G", device) { Timeout = _options.DiscardTimeout, Mutates = true };
        var started = Stopwatch.GetTimestamp();
        await RunCheckedAsync($"Discarding the blocks of {device}", spec, cancellationToken).ConfigureAwait(false);
        FilesystemLog.Discarded(_logger, device, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return DiscardOutcome.Discarded;
    }

    /// <inheritdoc />
    public async Task CopyDeviceAsync(string source, string target, long bytes, CancellationToken cancellationToken)
    {
        RequireBlockDevice(source, nameof(source));
        RequireBlockDevice(target, nameof(target));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        var count = bytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var spec = new CommandSpec(
            "dd", $"if={source}", $"of={target}", "bs=4M", $"count={count}", "iflag=direct,count_bytes", "oflag=direct", "conv=fsync,nocreat", "status=none")
        { Timeout = _options.CopyTimeout, Mutates = false }; // stoppable: see IFilesystemOps.CopyDeviceAsync
        var started = Stopwatch.GetTimestamp();
        await RunCheckedAsync($"Copying {source} onto {target}", spec, cancellationToken).ConfigureAwait(false);
        FilesystemLog.Copied(_logger, source, target, bytes, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }


    /// <inheritdoc />
    public async Task CreateReadOnlyMappingAsync(string name, DeviceNumber backing, long sectors, CancellationToken cancellationToken)
    {
        RequireMappingName(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sectors);
        var spec = new CommandSpec("dmsetup", "create", "--readonly", name, "--table", LinearTable(backing, sectors)) { Timeout = _options.CommandTimeout, Mutates = true };
        await RunCheckedAsync($"Creating the read-only device {name} over {backing}", spec, cancellationToken).ConfigureAwait(false);
        FilesystemLog.MappingCreated(_logger, name, backing.ToString(), sectors);
    }

    /// <inheritdoc />
    public async Task ResizeReadOnlyMappingAsync(string name, DeviceNumber backing, long sectors, CancellationToken cancellationToken)
    {
        RequireMappingName(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sectors);
        var load = new CommandSpec("dmsetup", "load", "--readonly", name, "--table", LinearTable(backing, sectors)) { Timeout = _options.CommandTimeout, Mutates = true };
        await RunCheckedAsync($"Loading a new size into {name}", load, cancellationToken).ConfigureAwait(false);
        var resume = new CommandSpec("dmsetup", "resume", name) { Timeout = _options.CommandTimeout, Mutates = true };
        await RunCheckedAsync($"Resuming {name} with its new size", resume, CancellationToken.None).ConfigureAwait(false);
        FilesystemLog.MappingResized(_logger, name, sectors);
    }

    /// <inheritdoc />
    public async Task RemoveMappingAsync(string name, CancellationToken cancellationToken)
    {
        RequireMappingName(name);
        var spec = new CommandSpec("dmsetup", "remove", name) { Timeout = _options.CommandTimeout, Mutates = true };
        await RunCheckedAsync($"Removing the device {name}", spec, cancellationToken).ConfigureAwait(false);
        FilesystemLog.MappingRemoved(_logger, name);
    }

    /// <inheritdoc />
    public IReadOnlyList<DeviceMapping> FindMappings(string prefix)
    {
        var block = Path.Combine(_host.SysfsRoot, "block");
        if (!Directory.Exists(block))
        {
            return [];
        }

        var found = new List<DeviceMapping>();
        foreach (var dm in Directory.EnumerateDirectories(block, "dm-*"))
        {
            var name = TryRead(Path.Combine(dm, "dm", "name"));
            if (name is null || !name.StartsWith(prefix, StringComparison.Ordinal) || ParseDevice(TryRead(Path.Combine(dm, "dev"))) is not { } device)
            {
                continue;
            }

            var slaves = Path.Combine(dm, "slaves");
            var backing = Directory.Exists(slaves)
                ? Directory.EnumerateFileSystemEntries(slaves).Select(s => ParseDevice(TryRead(Path.Combine(s, "dev")))).OfType<DeviceNumber>().ToList()
                : [];
            var sectors = long.TryParse(TryRead(Path.Combine(dm, "size")), NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : 0;
            found.Add(new DeviceMapping(name, device, sectors, backing));
        }

        return found;
    }

    /// <inheritdoc />
    public string? DeviceMapperName(DeviceNumber device) => ReadSysfs($"dev/block/{device.Major}:{device.Minor}/dm/name");

    /// <inheritdoc />
    public DeviceMapperDevice? ReadDeviceMapperDevice(string path)
    {
        if (Stat(path) is not { Kind: FileKind.BlockDevice } status)
        {
            return null;
        }

        var device = new DeviceNumber(status.DeviceMajor, status.DeviceMinor);
        var directory = $"dev/block/{device.Major}:{device.Minor}";
        return ReadSysfs($"{directory}/dm/name") is { Length: > 0 } name
            && ReadSysfs($"{directory}/dm/uuid") is { } uuid
            && long.TryParse(ReadSysfs($"{directory}/size"), NumberStyles.None, CultureInfo.InvariantCulture, out var sectors)
                ? new DeviceMapperDevice(name, uuid, device, sectors)
                : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> MappingTargetsAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var spec = new CommandSpec("dmsetup", "table", "--", name) { Timeout = _options.CommandTimeout };
        var table = await RunCheckedAsync($"Reading the table of {name}", spec, cancellationToken).ConfigureAwait(false);

        // One line per target: <start> <length> <type> <arguments...>
        return [.. table.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 4))
            .Where(fields => fields.Length >= 3)
            .Select(fields => fields[2])];
    }

    /// <inheritdoc />
    public Task<BlockReadResult> ReadFirstBlockAsync(string device, TimeSpan timeout) => BlockRead.FirstBlockAsync(device, timeout);

    /// <inheritdoc />
    public FileStatus Lstat(string path) => _host.Lstat(path);

    /// <inheritdoc />
    public FileStatus Stat(string path) => _host.StatFollow(path);

    /// <inheritdoc />
    public void CreateDirectory(string path)
    {
        RequireAbsolute(path, nameof(path));
        Directory.CreateDirectory(path);
    }

    /// <inheritdoc />
    public void CreateFile(string path)
    {
        RequireAbsolute(path, nameof(path));
        using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write))
        {
        }
    }

    /// <inheritdoc />
    public bool RemoveIfEmpty(string path)
    {
        RequireAbsolute(path, nameof(path));
        switch (_host.Lstat(path).Kind)
        {
            case FileKind.Directory when !Directory.EnumerateFileSystemEntries(path).Any():
                Directory.Delete(path, recursive: false);
                return true;
            case FileKind.Regular when new FileInfo(path).Length == 0:
                File.Delete(path);
                return true;
            default:
                return false;
        }
    }

    private static string LinearTable(DeviceNumber backing, long sectors) =>
        $"0 {sectors.ToString(CultureInfo.InvariantCulture)} linear {backing} 0";

    private static void RequireMappingName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > 127 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '+'))
        {
            throw new ArgumentException($"'{name}' is not a device-mapper name Stratum makes", nameof(name));
        }
    }

    private string? ReadSysfs(string relative) => TryRead(Path.Combine(_host.SysfsRoot, relative));

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static DeviceNumber? ParseDevice(string? text)
    {
        var parts = text?.Split(':');
        return parts is [var major, var minor]
            && uint.TryParse(major, NumberStyles.None, CultureInfo.InvariantCulture, out var ma)
            && uint.TryParse(minor, NumberStyles.None, CultureInfo.InvariantCulture, out var mi)
            ? new DeviceNumber(ma, mi)
            : null;
    }

    private void VerifyReadOnly(string target, CommandSpec remount)
    {
        var resolved = _host.RealPath(target);
        var mount = MountInfo.FindMountPoint(_host.ReadMounts(), resolved);
        if (mount is null)
        {
            throw new FilesystemCommandException(
                $"'{remount}' succeeded but {resolved} is not in the mount table", Argv(remount), 0, null);
        }

        if (!mount.IsReadOnly)
        {
            throw new FilesystemCommandException(
                $"'{remount}' succeeded but the mount on {resolved} is still writable (mount options '{mount.Options}')",
                Argv(remount), 0, null);
        }
    }

    private async Task UndoBindAsync(string source, string target, Exception reason)
    {
        var umount = new CommandSpec("umount", target) { Timeout = _options.CommandTimeout, Mutates = true };
        try
        {
            await RunCheckedAsync($"Undoing the bind mount on {target}", umount, CancellationToken.None).ConfigureAwait(false);
            FilesystemLog.BindUndone(_logger, source, target, reason.Message);
        }
        catch (FilesystemCommandException undo)
        {
            FilesystemLog.BindUndoFailed(_logger, undo, source, target);
            var failed = reason as FilesystemCommandException;
            throw new FilesystemCommandException(
                $"{reason.Message}; undoing the bind mount failed too, so {target} is still mounted without the requested options: {undo.Message}",
                failed?.Command ?? Argv(umount), failed?.ExitCode, failed?.StandardError, reason);
        }
    }

    private async Task<CommandResult> RunCheckedAsync(string action, CommandSpec spec, CancellationToken cancellationToken)
    {
        var result = await RunAsync(action, spec, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result : throw Failure(action, spec, result);
    }

    private Task<CommandResult> RunAsync(string action, CommandSpec spec, CancellationToken cancellationToken) =>
        HostTools.RunAsync(_runner, action, spec, cancellationToken);

    private static FilesystemCommandException Failure(string action, CommandSpec spec, CommandResult result, string hint = "") =>
        HostTools.Failure(action, spec, result, hint);

    private FileStatus RequireBlockDevice(string device, string paramName)
    {
        RequireAbsolute(device, paramName);
        var status = _host.StatFollow(device);
        if (!status.Exists)
        {
            throw new FileNotFoundException($"Device {device} does not exist.", device);
        }

        if (status.Kind != FileKind.BlockDevice)
        {
            throw new ArgumentException($"{device} is not a block device (it is a {status.Kind}).", paramName);
        }

        return status;
    }

    private static void RequireAbsolute(string path, string paramName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path, paramName);
        if (path[0] != '/')
        {
            throw new ArgumentException($"'{path}' is not an absolute path.", paramName);
        }
    }

    private static string[] Argv(CommandSpec spec) => HostTools.Argv(spec);

    private static string Summarize(string text) => HostTools.Summarize(text);
}

/// <summary>What <see cref="LinuxFilesystemOps"/> reads of the host directly (tests substitute these).</summary>
internal sealed record FilesystemHost(
    Func<string, FileStatus> StatFollow,
    Func<IReadOnlyList<MountEntry>> ReadMounts,
    Func<string, string> RealPath)
{
    public static FilesystemHost Native { get; } = new(FileStatus.StatFollow, MountInfo.ReadSelf, Platform.RealPath.Resolve);

    public Func<string, FileStatus> Lstat { get; init; } = FileStatus.Lstat;

    /// <summary>Where sysfs is mounted.</summary>
    public string SysfsRoot { get; init; } = "/sys";
}
