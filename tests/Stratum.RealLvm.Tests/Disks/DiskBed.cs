using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;
using Stratum.Lvm;
using Stratum.Platform.Exec;
using Stratum.RealLvm.Tests.Harness;
using Stratum.Volumes;

namespace Stratum.RealLvm.Tests.Disks;

/// <summary>
/// One bed for the disk-management scenario: the testbed's first three disks whole and blank (for
/// examples/disks.yaml), slices carrying what must be refused (an ext4 filesystem, a GPT, a LUKS
/// header, a PV of another VG), blank slices to add while running and for a VG that loses a disk,
/// and the real plugin (<see cref="NodePlugin"/>, in this process, on a socket under /run) with a
/// client, restartable. Everything is removed afterwards; a cleanup failure fails the run.
/// </summary>
public sealed class DiskBed : IAsyncLifetime
{
    public const string NodeId = "disk-node";
    public const long SliceBytes = 32L << 20;
    public const long GrowBytes = 512L << 20;

    private readonly List<DiskSlice> _slices = [];

    public SharedOutputLogger Log { get; } = new();

    public string ConfigDirectory { get; } = Path.Combine("/run", "stratum-disks-" + Guid.NewGuid().ToString("N")[..8]);

    public string ConfigPath => Path.Combine(ConfigDirectory, "config.yaml");

    /// <summary>/dev/vda, /dev/vdb, /dev/vdc.</summary>
    public IReadOnlyList<string> WholeDisks { get; private set; } = [];

    public DiskSlice WithFilesystem { get; private set; } = null!;

    public DiskSlice WithPartitionTable { get; private set; } = null!;

    public DiskSlice WithLuks { get; private set; } = null!;

    public DiskSlice OtherGroupsPv { get; private set; } = null!;

    /// <summary>A blank slice that a configuration change adds.</summary>
    public DiskSlice ForReload { get; private set; } = null!;

    /// <summary>
    /// The range of a disk that "appears" while running as /dev/mapper/tbhot1 (<see cref="PlugAsync"/>).
    /// Its slice device is removed at once, so the range is reachable through one device only (LVM
    /// refuses a PV it sees twice); the pool keeps the range reserved.
    /// </summary>
    public DiskSlice ForHotplug { get; private set; } = null!;

    /// <summary>Two blank slices for a VG that later loses the second.</summary>
    public IReadOnlyList<DiskSlice> ForRecovery { get; private set; } = [];

    public const string HotplugName = "tbhot1";

    public const string OtherGroup = "tbother";

    public const string RecoveryGroup = "tbrecover";

    public NodePlugin? Plugin { get; private set; }

    /// <summary>The running plugin's storage side (configuration, disks, recovery, engine).</summary>
    public NodeStorage? Storage => Plugin?.Storage;

    public CsiClient Client { get; private set; } = null!;

    public ServerEndpoint Endpoint => ServerEndpoint.Parse("unix://" + Path.Combine(ConfigDirectory, "csi.sock"));

    /// <summary>Where staging and target paths go (mount points must be on the VM's tmpfs).</summary>
    public string WorkDirectory => Path.Combine(ConfigDirectory, "work");

    public LvmCli Lvm { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Testbed.Require();
        if (Testbed.WholeDisks.Count != Testbed.WholeDiskCount)
        {
            throw new InvalidOperationException(
                $"the disk-management tests take the first {Testbed.WholeDiskCount} disks whole and need two more for slices: run them with tests/real-lvm --disks 5 (this testbed has {Testbed.Disks.Count})");
        }

        WholeDisks = Testbed.WholeDisks;
        foreach (var disk in WholeDisks)
        {
            var probe = await Sh.TryRunAsync("blkid", "-p", disk);
            if (probe.ExitCode != 2)
            {
                throw new InvalidOperationException($"{disk} is not blank at the start: {probe}");
            }
        }

        Directory.CreateDirectory(ConfigDirectory);
        var runner = new CommandRunner(new CommandRunnerOptions { DefaultTimeout = LvmUnderTest.CommandTimeout }, new Logger<CommandRunner>(Log));
        Lvm = new LvmCli(runner, new LvmOptions(), new Logger<LvmCli>(Log));

        var slices = await DiskPool.Shared.AllocateAsync(4, SliceBytes, nameof(DiskBed));
        _slices.AddRange(slices);
        (WithFilesystem, WithPartitionTable, WithLuks, OtherGroupsPv) = (slices[0], slices[1], slices[2], slices[3]);
        var grow = await DiskPool.Shared.AllocateAsync(2, GrowBytes, nameof(DiskBed));
        _slices.AddRange(grow);
        (ForReload, ForHotplug) = (grow[0], grow[1]);
        await Sh.RunAsync("dmsetup", "remove", "--retry", ForHotplug.Name);
        ForRecovery = await DiskPool.Shared.AllocateAsync(2, 32L << 20, nameof(DiskBed));
        _slices.AddRange(ForRecovery);

        await Sh.RunAsync("mkfs.ext4", "-q", WithFilesystem.DevicePath);
        await Sh.RunWithInputAsync(",32M\n", "sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", "--label", "gpt", WithPartitionTable.DevicePath);
        var key = Path.Combine(ConfigDirectory, "luks.key");
        await File.WriteAllTextAsync(key, "not-a-secret");
        await Sh.RunAsync("cryptsetup", "luksFormat", "--batch-mode", "--type", "luks2", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--key-file", key, WithLuks.DevicePath);
        File.Delete(key);
        await Sh.RunAsync("vgcreate", OtherGroup, OtherGroupsPv.DevicePath);
    }

    /// <summary>Hot-plugs a blank disk: /dev/mapper/tbhot1 appears.</summary>
    public Task PlugAsync() => Sh.RunAsync("dmsetup", "create", HotplugName, "--table", ForHotplug.LinearTable);

    /// <summary>Writes the configuration as kubelet updates a ConfigMap key: a new file renamed over the old.</summary>
    public async Task WriteConfigAsync(string yaml)
    {
        var temporary = ConfigPath + ".tmp";
        await File.WriteAllTextAsync(temporary, yaml);
        File.Move(temporary, ConfigPath, overwrite: true);
    }

    /// <summary>examples/disks.yaml with more device paths appended to its class's list.</summary>
    public static string ExampleWith(params string[] extraDevices)
    {
        var example = File.ReadAllText(RepoFile("examples", "disks.yaml"));
        return extraDevices.Length == 0
            ? example
            : example.TrimEnd() + "\n" + string.Concat(extraDevices.Select(d => $"      - {d}\n"));
    }

    /// <summary>Starts the plugin on the current configuration, as `stratum node` does, and connects a client.</summary>
    public async Task<NodePlugin> StartAsync()
    {
        if (Plugin is not null)
        {
            throw new InvalidOperationException("stop the running plugin first");
        }

        Directory.CreateDirectory(WorkDirectory);
        var plugin = new NodePlugin(
            new NodeOptions { Endpoints = [Endpoint], NodeId = NodeId, ConfigPath = ConfigPath, ShutdownGracePeriod = TimeSpan.FromSeconds(5) },
            Log,
            new NodeDependencies { Lvm = Lvm });
        Plugin = plugin;
        await plugin.StartAndWaitAsync();
        Client = new CsiClient(Endpoint);
        return plugin;
    }

    public async Task StopAsync()
    {
        if (Plugin is { } plugin)
        {
            Plugin = null;
            Client.Dispose();
            await plugin.StopAsync();
            await plugin.DisposeAsync();
        }
    }

    public static async Task<string> ChecksumAsync(string device)
    {
        await using var stream = new FileStream(device, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20);
        return Convert.ToHexString(await SHA256.HashDataAsync(stream));
    }

    /// <summary>Writes <paramref name="bytes"/> of a random pattern to the start of a device and returns the device's checksum.</summary>
    public static async Task<string> FillAsync(string device, int bytes)
    {
        var pattern = RandomNumberGenerator.GetBytes(bytes);
        await using (var stream = new FileStream(device, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            await stream.WriteAsync(pattern);
            stream.Flush(flushToDisk: true);
        }

        return await ChecksumAsync(device);
    }

    public async Task DisposeAsync()
    {
        var problems = new List<Exception>();
        async Task Step(Func<Task> step)
        {
            try
            {
                await step();
            }
            catch (Exception e)
            {
                problems.Add(e);
            }
        }

        await Step(StopAsync);
        await Step(async () =>
        {
            // A VG that lost a PV must drop it before it can be removed.
            await Sh.TryRunAsync("vgreduce", "--removemissing", "--force", RecoveryGroup);
            foreach (var group in new[] { "stratum", RecoveryGroup, OtherGroup })
            {
                var removed = await Sh.TryRunAsync("vgremove", "--force", "--force", "--yes", group);
                if (!removed.Succeeded && (await Sh.TryRunAsync("vgs", group)).Succeeded)
                {
                    throw new CommandFailedException(removed);
                }
            }
        });
        foreach (var device in WholeDisks.Concat(_slices.Select(s => s.DevicePath)).Append($"/dev/mapper/{HotplugName}"))
        {
            await Step(async () =>
            {
                if (File.Exists(device))
                {
                    await Sh.TryRunAsync("pvremove", "--force", "--force", "--yes", device);
                    await Sh.RunAsync("wipefs", "--all", "--quiet", device);
                }
            });
        }

        await Step(async () =>
        {
            if (File.Exists($"/dev/mapper/{HotplugName}"))
            {
                await Sh.RunAsync("dmsetup", "remove", "--retry", HotplugName);
            }
        });
        foreach (var slice in _slices)
        {
            await Step(() => DiskPool.Shared.ReleaseAsync(slice));
        }

        await Step(() => Task.Run(() => Directory.Delete(ConfigDirectory, recursive: true)));
        if (problems.Count > 0)
        {
            throw new AggregateException("cleaning up the disk bed failed", problems);
        }
    }

    private static string RepoFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Stratum.sln")))
            {
                return Path.Combine([dir.FullName, .. parts]);
            }
        }

        throw new InvalidOperationException($"no Stratum.sln above {AppContext.BaseDirectory}");
    }
}
