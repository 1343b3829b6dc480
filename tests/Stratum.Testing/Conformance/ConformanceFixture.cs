using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Csi.V1;
using Stratum.Platform.Exec;
using Stratum.Volumes.Filesystems;
using Stratum.Platform;

namespace Stratum.Testing.Conformance;

/// <summary>
/// The class fixture of a <see cref="CsiConformanceTests"/> derivation: the backend (a fresh VG),
/// the recording decorator the plugin talks to, the configuration, and the running plugin. One
/// plugin serves all the tests of the class (start-up costs several LVM commands, ~1 s each in
/// the VM); the restart test replaces it with a new one on the same LVM state.
/// </summary>
public abstract class ConformanceFixture : IAsyncLifetime
{
    /// <summary>The default class: linear, ext4.</summary>
    public const string LinearClass = "linear";

    /// <summary>Linear, keeping <see cref="SpareBytes"/> of the VG free.</summary>
    public const string SpareClass = "spare";

    /// <summary>Linear, xfs when a capability names no filesystem.</summary>
    public const string XfsClass = "xfs";

    /// <summary>Two stripes.</summary>
    public const string StripedClass = "striped";

    /// <summary>raid1 with one extra copy.</summary>
    public const string Raid1Class = "raid1";

    public const long MiB = 1024 * 1024;

    /// <summary>What the spare class keeps free.</summary>
    public const long SpareBytes = 1024 * MiB;

    public const string NodeId = "conformance-node";

    private ConformanceBackend? _backend;
    private PluginUnderTest? _plugin;

    /// <summary>The backend under test.</summary>
    public ConformanceBackend Backend => _backend ?? throw new InvalidOperationException("the fixture is not initialised");

    /// <summary>The plugin's LVM calls: every call in order; holds chosen ones.</summary>
    public ILvmCallLog Lvm { get; private set; } = null!;

    /// <summary>
    /// What the tests themselves call LVM through (to arrange and inspect behind the plugin's
    /// back). Recorded too, so the suite knows whether anything in this process could have
    /// changed the VG since it last listed it.
    /// </summary>
    public RecordingLvm TestLvm { get; private set; } = null!;

    /// <summary>The VG's LVs as last listed, and the mutating call counts of both recorders then.</summary>
    internal (IReadOnlyList<string> Lvs, int PluginMutations, int TestMutations)? LastLvListing { get; set; }

    /// <summary>The plugin's LVM call count when the suite last waited for its background work.</summary>
    internal int SettledAt { get; set; }

    /// <summary>The real filesystem layer the plugin uses.</summary>
    public IFilesystemOps Filesystem { get; private set; } = null!;

    public StratumConfig Config { get; private set; } = null!;

    /// <summary>The running plugin.</summary>
    public PluginUnderTest Plugin => _plugin ?? throw new InvalidOperationException("the plugin is not running");

    /// <summary>Where the plugin's log goes: the running test's output.</summary>
    public TestOutputLogger Log { get; } = new();

    /// <summary>Every configured device class.</summary>
    public IReadOnlyList<string> DeviceClasses => Config.DeviceClasses.Select(c => c.Name).ToList();

    public string SocketPath => Path.Combine(Backend.WorkDirectory, "csi.sock");

    /// <summary>Volumes several tests share (created once, on first use, through the plugin).</summary>
    public Dictionary<string, Volume> SharedVolumes { get; } = new(StringComparer.Ordinal);

    /// <summary>Creates the backend: a fresh VG and a work directory.</summary>
    protected abstract Task<ConformanceBackend> CreateBackendAsync();

    /// <summary>
    /// The published <c>stratum</c> binary to run as a child process (with a configuration file
    /// and an <see cref="LvmCommandRecorder"/> between it and lvm), or null to run the plugin
    /// in-process on <see cref="ConformanceBackend.Lvm"/> (which may be a simulator).
    /// </summary>
    protected virtual string? PluginBinary => null;

    public async Task InitializeAsync()
    {
        _backend = await CreateBackendAsync();
        try
        {
            Lvm = PluginBinary is null
                ? (ILvmCallLog)new RecordingLvm(_backend.Lvm)
                : new LvmCommandRecorder(Path.Combine(_backend.WorkDirectory, "lvm-recorder"));
            TestLvm = new RecordingLvm(_backend.Lvm);
            var runner = new CommandRunner(new CommandRunnerOptions { DefaultTimeout = TimeSpan.FromMinutes(5) }, NullLogger<CommandRunner>.Instance);
            Filesystem = new LinuxFilesystemOps(runner, new LinuxFilesystemOpsOptions(), NullLogger<LinuxFilesystemOps>.Instance);
            Config = BuildConfig(_backend);
            await StartPluginAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the plugin and starts a new one on the same LVM state, socket and configuration.</summary>
    public async Task RestartPluginAsync()
    {
        await StopPluginAsync();
        await StartPluginAsync();
    }

    public async Task DisposeAsync()
    {
        var problems = new List<Exception>();
        try
        {
            await StopPluginAsync();
            await DisposeRecorderAsync();
        }
        catch (Exception ex)
        {
            problems.Add(ex);
        }

        if (_backend is not null)
        {
            try
            {
                await Mounts.UnmountAllBelowAsync(_backend.WorkDirectory);
            }
            catch (Exception ex)
            {
                problems.Add(ex);
            }

            try
            {
                await _backend.DisposeAsync();
            }
            catch (Exception ex)
            {
                problems.Add(ex);
            }

            try
            {
                if (Directory.Exists(_backend.WorkDirectory) && !Mounts.Below(_backend.WorkDirectory).Any())
                {
                    Directory.Delete(_backend.WorkDirectory, recursive: true);
                }
            }
            catch (IOException ex)
            {
                problems.Add(ex);
            }
        }

        Log.Dispose();
        if (problems.Count > 0)
        {
            throw new AggregateException("cleaning up the conformance fixture failed", problems);
        }
    }

    private async Task StartPluginAsync()
    {
        if (PluginBinary is not { } binary)
        {
            _plugin = await PluginUnderTest.StartAsync(SocketPath, NodeId, (RecordingLvm)Lvm, Filesystem, Config, Log.CreateFactory());
            return;
        }

        var configPath = Path.Combine(Backend.WorkDirectory, "config.yaml");
        await File.WriteAllTextAsync(configPath, ToYaml(Config));
        _plugin = await PluginUnderTest.StartProcessAsync(binary, SocketPath, NodeId, configPath, ((LvmCommandRecorder)Lvm).BinDirectory, Log);
    }

    /// <summary>The configuration as the YAML file <c>stratum node --config</c> reads (docs/configuration.md).</summary>
    internal static string ToYaml(StratumConfig config)
    {
        var yaml = new System.Text.StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $"capacityRefreshSeconds: {config.CapacityRefreshSeconds}\n");
        yaml.Append("deviceClasses:\n");
        foreach (var c in config.DeviceClasses)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - name: {c.Name}\n    volumeGroup: {c.VolumeGroup}\n    default: {(c.IsDefault ? "true" : "false")}\n");
            yaml.Append(CultureInfo.InvariantCulture, $"    spare: {c.SpareBytes}\n    fsType: {c.FsType.ToName()}\n    lvcreate:\n      type: {c.LvCreate.Type.ToName()}\n");
            if (c.LvCreate.Stripes is { } stripes)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"      stripes: {stripes}\n");
            }

            if (c.LvCreate.Mirrors is { } mirrors)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"      mirrors: {mirrors}\n");
            }
        }

        return yaml.ToString();
    }

    private async Task StopPluginAsync()
    {
        if (_plugin is { } plugin)
        {
            _plugin = null;
            await plugin.DisposeAsync();
        }
    }

    private async Task DisposeRecorderAsync()
    {
        if (Lvm is LvmCommandRecorder recorder)
        {
            await recorder.DisposeAsync();
        }
    }

    private static StratumConfig BuildConfig(ConformanceBackend backend)
    {
        var vg = backend.VolumeGroup;
        var classes = new List<DeviceClass>
        {
            new() { Name = LinearClass, VolumeGroup = vg, IsDefault = true },
            new() { Name = SpareClass, VolumeGroup = vg, SpareBytes = SpareBytes },
            new() { Name = XfsClass, VolumeGroup = vg, FsType = FileSystemType.Xfs },
            new() { Name = StripedClass, VolumeGroup = vg, LvCreate = new LvCreateSettings { Type = LvType.Striped, Stripes = 2 } },
            new() { Name = Raid1Class, VolumeGroup = vg, LvCreate = new LvCreateSettings { Type = LvType.Raid1, Mirrors = 1 } },
        };

        // No periodic refresh during the run: "GetCapacity never calls LVM" must not see the timer's calls.
        return new StratumConfig { DeviceClasses = classes, CapacityRefreshSeconds = StratumConfig.MaxCapacityRefreshSeconds };
    }
}

/// <summary>Mount-table helpers for the suite's own bookkeeping (never used by the plugin).</summary>
public static class Mounts
{
    /// <summary>Mounts at or below <paramref name="directory"/>, in mount order.</summary>
    public static IReadOnlyList<MountEntry> Below(string directory) =>
        MountInfo.ReadSelf().Where(m => m.MountPoint == directory || m.MountPoint.StartsWith(directory + "/", StringComparison.Ordinal)).ToList();

    /// <summary>
    /// The block device a mount is on. mountinfo's major:minor, except for btrfs, which reports an
    /// anonymous device number (0:N) there: its source then names the device node.
    /// </summary>
    public static (uint Major, uint Minor) DeviceOf(MountEntry mount)
    {
        if (mount.DeviceMajor != 0 || !mount.Source.StartsWith('/'))
        {
            return (mount.DeviceMajor, mount.DeviceMinor);
        }

        var node = FileStatus.StatFollow(mount.Source);
        return node.Kind == FileKind.BlockDevice ? (node.DeviceMajor, node.DeviceMinor) : (mount.DeviceMajor, mount.DeviceMinor);
    }

    /// <summary>Mounts a small tmpfs at <paramref name="directory"/> whose mount source reads <paramref name="source"/>.</summary>
    public static async Task MountTmpfsAsync(string source, string directory)
    {
        var runner = new CommandRunner(new CommandRunnerOptions(), NullLogger<CommandRunner>.Instance);
        var result = await runner.RunAsync(new CommandSpec("mount", "-t", "tmpfs", "-o", "size=1m", source, directory), CancellationToken.None);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"mount -t tmpfs {source} {directory}: {result.StandardError.Trim()}");
        }
    }

    /// <summary>Unmounts everything at or below <paramref name="directory"/>, newest first (lazily if busy).</summary>
    public static async Task UnmountAllBelowAsync(string directory)
    {
        var runner = new CommandRunner(new CommandRunnerOptions { DefaultTimeout = TimeSpan.FromMinutes(2) }, NullLogger<CommandRunner>.Instance);
        var failures = new List<string>();
        foreach (var mount in Below(directory).Reverse())
        {
            var plain = await runner.RunAsync(new CommandSpec("umount", mount.MountPoint), CancellationToken.None);
            if (!plain.Succeeded)
            {
                var lazy = await runner.RunAsync(new CommandSpec("umount", "--lazy", mount.MountPoint), CancellationToken.None);
                if (!lazy.Succeeded && Below(mount.MountPoint).Count > 0)
                {
                    failures.Add($"umount {mount.MountPoint}: {lazy.StandardError.Trim()}");
                }
            }
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException("could not unmount: " + string.Join("; ", failures));
        }
    }
}
