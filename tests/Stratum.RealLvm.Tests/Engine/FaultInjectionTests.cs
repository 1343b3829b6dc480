using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Csi.V1;
using Stratum.Platform.Exec;
using Stratum.RealLvm.Tests.Harness;
using Stratum.Testing.Conformance;
using Stratum.Volumes.Filesystems;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Engine;

/// <summary>
/// Issue #9's fault injection on real LVM, through the plugin's CSI socket (the plugin in-process
/// over the real LvmCli, filesystem tools and runner): two VGs, one mounted volume on each.
/// A volume's device-mapper table replaced by an <c>error</c>, <c>flakey</c> or <c>delay</c> target
/// makes NodeGetVolumeStats and ControllerGetVolume report it abnormal, saying what is wrong,
/// quickly, while the other volume stays healthy; the original table restores health. A held VG
/// lock (a hung LVM) slows only the calls that need that VG, while Probe, GetCapacity and the
/// other VG's volume are served at once; a CreateVolume that waited for it completes once the
/// lock is free, and its retry finds the volume.
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class FaultInjectionTests(FaultBed bed, ITestOutputHelper output) : IClassFixture<FaultBed>
{
    /// <summary>How long a served call may take here (a few LVM reads under emulation).</summary>
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("error", "every read and write fails")]
    [InlineData("flakey", "I/O fails or is dropped part of the time")]
    [InlineData("delay", "every I/O is delayed")]
    public async Task VolumeTableReplaced_StatsAndGetVolumeReportAbnormal_OtherVolumeHealthy_RestoredTableHealthy(string target, string meaning)
    {
        var (a, b) = await bed.VolumesAsync(output);
        var dm = bed.DmName(a);
        var original = (await Sh.RunAsync("dmsetup", "table", dm)).Stdout.Trim();
        var linear = original.Split(' '); // 0 <sectors> linear <device> <offset>
        Assert.Equal("linear", linear[2]);
        var faulty = target switch
        {
            "error" => $"0 {linear[1]} error",
            "flakey" => $"0 {linear[1]} flakey {linear[3]} {linear[4]} 0 3600",
            _ => $"0 {linear[1]} delay {linear[3]} {linear[4]} 8000",
        };

        await LoadAsync(dm, faulty);
        try
        {
            var clock = Stopwatch.StartNew();
            var stats = await bed.Client.Node.NodeGetVolumeStatsAsync(new NodeGetVolumeStatsRequest { VolumeId = a.Id, VolumePath = a.Target }, deadline: Deadline());
            var get = await bed.Client.Controller.ControllerGetVolumeAsync(new ControllerGetVolumeRequest { VolumeId = a.Id }, deadline: Deadline());
            clock.Stop();
            var other = await bed.Client.Node.NodeGetVolumeStatsAsync(new NodeGetVolumeStatsRequest { VolumeId = b.Id, VolumePath = b.Target }, deadline: Deadline());
            output.WriteLine($"{target}: NodeGetVolumeStats says '{stats.VolumeCondition.Message}'; ControllerGetVolume says '{get.Status.VolumeCondition.Message}' ({clock.Elapsed.TotalSeconds:0.0} s for both)");

            Assert.True(stats.VolumeCondition.Abnormal);
            Assert.Contains($"'{target}' target: {meaning}", stats.VolumeCondition.Message, StringComparison.Ordinal);
            Assert.True(get.Status.VolumeCondition.Abnormal);
            Assert.Contains($"'{target}' target", get.Status.VolumeCondition.Message, StringComparison.Ordinal);
            if (target is "error" or "flakey")
            {
                Assert.Contains("fails: Input/output error", stats.VolumeCondition.Message, StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains("does not answer", stats.VolumeCondition.Message, StringComparison.Ordinal);
            }

            Assert.False(other.VolumeCondition.Abnormal, other.VolumeCondition.Message);
            Assert.Equal("healthy", other.VolumeCondition.Message);
        }
        finally
        {
            await LoadAsync(dm, original);
        }

        // Restored: healthy again (a delayed read still in flight may take its time to come back).
        var healthy = await EventuallyHealthyAsync(a);
        Assert.True(healthy.Abnormal == false, healthy.Message);
        var restored = await bed.Client.Controller.ControllerGetVolumeAsync(new ControllerGetVolumeRequest { VolumeId = a.Id }, deadline: Deadline());
        Assert.False(restored.Status.VolumeCondition.Abnormal, restored.Status.VolumeCondition.Message);
    }

    [Fact]
    public async Task VolumeGroupLockHeld_OnlyCallsNeedingThatGroupWait_CreateCompletesOnceFree()
    {
        var (a, b) = await bed.VolumesAsync(output);
        var name = "pvc-behind-lock";
        TimeSpan created;
        await using (var holder = await LockHolder.StartAsync(bed.VgA.VgName))
        {
            // Served at once: nothing of these needs the held VG.
            var clock = Stopwatch.StartNew();
            Assert.True((await bed.Client.Identity.ProbeAsync(new ProbeRequest(), deadline: Deadline())).Ready);
            var capacity = await bed.Client.Controller.GetCapacityAsync(Requests.Capacity(FaultBed.ClassA), deadline: Deadline());
            var probeAndCapacity = clock.Elapsed;
            var other = await bed.Client.Node.NodeGetVolumeStatsAsync(new NodeGetVolumeStatsRequest { VolumeId = b.Id, VolumePath = b.Target }, deadline: Deadline());
            var otherGet = await bed.Client.Controller.ControllerGetVolumeAsync(new ControllerGetVolumeRequest { VolumeId = b.Id }, deadline: Deadline());
            var otherServed = clock.Elapsed - probeAndCapacity;

            // The held VG's calls wait for LVM; with kubelet's and the sidecars' deadlines they end in time.
            var stats = await Assert.ThrowsAsync<RpcException>(async () => await bed.Client.Node.NodeGetVolumeStatsAsync(
                new NodeGetVolumeStatsRequest { VolumeId = a.Id, VolumePath = a.Target }, deadline: DateTime.UtcNow.AddSeconds(5)));
            var create = await Assert.ThrowsAsync<RpcException>(async () => await bed.Client.Controller.CreateVolumeAsync(
                Requests.Create(name, 16 * FaultBed.MiB, Requests.Mount(), FaultBed.ClassA), deadline: DateTime.UtcNow.AddSeconds(5)));
            output.WriteLine($"lock held: Probe+GetCapacity {probeAndCapacity.TotalSeconds:0.00} s, other VG's stats+get {otherServed.TotalSeconds:0.00} s; held VG's stats {stats.StatusCode}, create {create.StatusCode}");

            Assert.True(capacity.AvailableCapacity > 0);
            Assert.False(other.VolumeCondition.Abnormal, other.VolumeCondition.Message);
            Assert.False(otherGet.Status.VolumeCondition.Abnormal, otherGet.Status.VolumeCondition.Message);
            Assert.Contains(stats.StatusCode, new[] { StatusCode.DeadlineExceeded, StatusCode.Unavailable });
            Assert.Contains(create.StatusCode, new[] { StatusCode.DeadlineExceeded, StatusCode.Unavailable });
            Assert.True(probeAndCapacity < TimeSpan.FromSeconds(5), $"Probe and GetCapacity took {probeAndCapacity}");
            Assert.False(holder.HasExited);
        }

        // The lock is free: the create that waited for it goes on to its end; the retry (ABORTED
        // while it runs) returns the volume, and nothing is left over.
        var clock2 = Stopwatch.StartNew();
        var volume = await RetryAsync(() => bed.Client.Controller.CreateVolumeAsync(
            Requests.Create(name, 16 * FaultBed.MiB, Requests.Mount(), FaultBed.ClassA), deadline: DateTime.UtcNow.AddMinutes(3)).ResponseAsync);
        created = clock2.Elapsed;
        var statsAfter = await bed.Client.Node.NodeGetVolumeStatsAsync(new NodeGetVolumeStatsRequest { VolumeId = a.Id, VolumePath = a.Target }, deadline: Deadline());
        output.WriteLine($"lock released: create returned {volume.Volume.VolumeId} after {created.TotalSeconds:0.0} s");
        Assert.False(statsAfter.VolumeCondition.Abnormal, statsAfter.VolumeCondition.Message);
        await bed.Client.Controller.DeleteVolumeAsync(new DeleteVolumeRequest { VolumeId = volume.Volume.VolumeId }, deadline: DateTime.UtcNow.AddMinutes(3));
        var lvs = (await Sh.RunAsync("lvs", "--noheadings", "-o", "lv_name", bed.VgA.VgName)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Single(lvs); // only volume a
    }

    private static DateTime Deadline() => DateTime.UtcNow + Quick;

    /// <summary>Swaps the live table (no filesystem freeze or flush: over a failing table those fail too).</summary>
    private static async Task LoadAsync(string dm, string table)
    {
        await Sh.RunAsync("dmsetup", "suspend", "--nolockfs", "--noflush", dm);
        try
        {
            await Sh.RunAsync("dmsetup", "load", dm, "--table", table);
        }
        finally
        {
            await Sh.RunAsync("dmsetup", "resume", dm);
        }
    }

    private async Task<VolumeCondition> EventuallyHealthyAsync(FaultBed.MountedVolume volume)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var stats = await bed.Client.Node.NodeGetVolumeStatsAsync(new NodeGetVolumeStatsRequest { VolumeId = volume.Id, VolumePath = volume.Target }, deadline: Deadline());
            if (!stats.VolumeCondition.Abnormal || DateTime.UtcNow > deadline)
            {
                return stats.VolumeCondition;
            }

            await Task.Delay(500);
        }
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Aborted or StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }
}

/// <summary>Two VGs (device classes <see cref="ClassA"/> and <see cref="ClassB"/>), the in-process plugin on them, and one mounted volume on each.</summary>
public sealed class FaultBed : IAsyncLifetime
{
    public const long MiB = 1024 * 1024;
    public const string ClassA = "a";
    public const string ClassB = "b";

    private readonly string _work = Path.Combine("/run", "faults-" + Guid.NewGuid().ToString("N")[..8]);
    private (MountedVolume A, MountedVolume B)? _volumes;
    private PluginUnderTest? _plugin;

    public VolumeGroupFixture VgA { get; } = new OneSmallPv();

    public VolumeGroupFixture VgB { get; } = new OneSmallPv();

    public Stratum.Csi.Grpc.CsiClient Client => _plugin!.Client;

    public sealed record MountedVolume(string Id, string Target);

    public async Task InitializeAsync()
    {
        await VgA.InitializeAsync();
        await VgB.InitializeAsync();
        Directory.CreateDirectory(_work);
        var runner = new CommandRunner(new CommandRunnerOptions { DefaultTimeout = TimeSpan.FromMinutes(5) }, NullLogger<CommandRunner>.Instance);
        var lvm = new Stratum.Lvm.LvmCli(runner, new Stratum.Lvm.LvmOptions(), NullLogger<Stratum.Lvm.LvmCli>.Instance);
        var filesystem = new LinuxFilesystemOps(runner, new LinuxFilesystemOpsOptions(), NullLogger<LinuxFilesystemOps>.Instance);
        var config = new StratumConfig
        {
            DeviceClasses =
            [
                new DeviceClass { Name = ClassA, VolumeGroup = VgA.VgName, IsDefault = true },
                new DeviceClass { Name = ClassB, VolumeGroup = VgB.VgName },
            ],
            CapacityRefreshSeconds = StratumConfig.MaxCapacityRefreshSeconds, // no background report: only the calls under test reach LVM
        };
        _plugin = await PluginUnderTest.StartAsync(Path.Combine(_work, "csi.sock"), "faults", lvm, filesystem, config, NullLoggerFactory.Instance);
    }

    /// <summary>The two mounted volumes (made on first use).</summary>
    public async Task<(MountedVolume A, MountedVolume B)> VolumesAsync(ITestOutputHelper output)
    {
        _volumes ??= (await MountedAsync("pvc-fault-a", ClassA), await MountedAsync("pvc-fault-b", ClassB));
        output.WriteLine($"volumes: {_volumes.Value.A.Id}, {_volumes.Value.B.Id}");
        return _volumes.Value;
    }

    public string DmName(MountedVolume volume)
    {
        var parts = volume.Id.Split(':');
        return $"{parts[0].Replace("-", "--", StringComparison.Ordinal)}-{parts[1].Replace("-", "--", StringComparison.Ordinal)}";
    }

    public async Task DisposeAsync()
    {
        if (_plugin is not null)
        {
            await _plugin.DisposeAsync();
        }

        await Mounts.UnmountAllBelowAsync(_work);
        await VgA.DisposeAsync();
        await VgB.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private async Task<MountedVolume> MountedAsync(string name, string deviceClass)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        var created = await Client.Controller.CreateVolumeAsync(Requests.Create(name, 32 * MiB, Requests.Mount("ext4"), deviceClass), deadline: deadline);
        var id = created.Volume.VolumeId;
        var staging = Path.Combine(_work, name, "staging");
        var target = Path.Combine(_work, name, "target");
        await Client.Node.NodeStageVolumeAsync(Requests.Stage(id, staging, Requests.Mount("ext4")), deadline: deadline);
        await Client.Node.NodePublishVolumeAsync(Requests.Publish(id, staging, target, Requests.Mount("ext4")), deadline: deadline);
        return new MountedVolume(id, target);
    }

    private sealed class OneSmallPv() : VolumeGroupFixture(pvCount: 1, pvSizeMiB: 128);
}
