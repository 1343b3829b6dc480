using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.StatusApi;
using Stratum.Csi.V1;
using Stratum.RealLvm.Tests.Harness;
using Stratum.Testing.Conformance;
using Stratum.Volumes;
using Stratum.Volumes.Disks;
using Stratum.Volumes.Naming;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Disks;

/// <summary>
/// Disk management, hot reload and start-up recovery on real LVM and real disks, through the real
/// plugin's socket, as one scenario on one bed (<see cref="DiskBed"/>): the node starts with
/// examples/disks.yaml and claims the blank disks; disks that are not blank are refused and stay
/// byte-for-byte the same; a configuration change and a device that appears grow the VG and
/// GetCapacity without a restart; a broken configuration keeps the old one and `stratum status`
/// says why; after a restart and a reinstall every volume is staged and published with its data;
/// a VG that loses a disk reports the volumes on it and serves the others. Steps run in order.
/// </summary>
[Collection(RealLvmCollection.Name)]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed class DiskManagementTests : IClassFixture<DiskBed>, IDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);

    /// <summary>Volumes created along the way, with their data's checksum, for the restart steps.</summary>
    private static readonly Dictionary<string, (string Id, string Checksum)> Volumes = [];
    private static readonly Dictionary<string, string> RefusedChecksums = [];

    private readonly DiskBed _bed;
    private readonly ITestOutputHelper _output;

    public DiskManagementTests(DiskBed bed, ITestOutputHelper output)
    {
        _bed = bed;
        _output = output;
        bed.Log.Output = output;
    }

    public void Dispose() => _bed.Log.Output = null;

    private NodeStorage Storage => _bed.Storage ?? throw new InvalidOperationException("an earlier step did not start the node");

    private CsiClient Client => _bed.Storage is null ? throw new InvalidOperationException("an earlier step did not start the node") : _bed.Client;

    [Fact]
    [Step(1)]
    public async Task Start_ExampleDisksConfig_BlankDisksClaimedIntoStratum()
    {
        await _bed.WriteConfigAsync(DiskBed.ExampleWith());

        await _bed.StartAsync();

        var status = await StatusAsync();
        Assert.Equal(_bed.WholeDisks.Select(d => (d, "claimed")), status.Disks.Select(d => (d.Path, d.State)));
        var pvs = await PvsAsync();
        Assert.Equal(_bed.WholeDisks.Select(d => $"{d} stratum"), pvs.Where(p => p.EndsWith(" stratum", StringComparison.Ordinal)));
        Assert.Contains(DiskManager.ManagedTag, (await Sh.RunAsync("vgs", "--noheadings", "-o", "vg_tags", "stratum")).Stdout, StringComparison.Ordinal);
        var group = (await _bed.Lvm.GetVolumeGroupAsync("stratum", default))!;
        Assert.Equal(group.FreeBytes, (await CapacityAsync()).AvailableCapacity);
        var statusGroup = Assert.Single(status.VolumeGroups);
        Assert.Equal(("stratum", true, 3, group.SizeBytes), (statusGroup.Name, statusGroup.Managed, statusGroup.PhysicalVolumes, statusGroup.SizeBytes));
        _output.WriteLine(JsonFormatter.Default.Format(status));
    }

    [Fact]
    [Step(2)]
    public async Task Reload_DisksThatAreNotBlank_RefusedWithReasonsAndLeftUnchanged()
    {
        var own = await CreateAsync("disk-test-own-block", 32L << 20);
        Volumes["own"] = (own.Id.ToString(), await DiskBed.FillAsync(own.DevicePath, 1 << 20));
        var expected = new Dictionary<string, string>
        {
            [_bed.WithFilesystem.DevicePath] = "holds a filesystem (ext4)",
            [_bed.WithPartitionTable.DevicePath] = "holds a partition table (gpt)",
            [_bed.WithLuks.DevicePath] = "holds an encryption header (crypto_LUKS)",
            [_bed.OtherGroupsPv.DevicePath] = $"is an LVM physical volume of volume group '{DiskBed.OtherGroup}'",
            [own.DevicePath] = $"is one of Stratum's own volumes (stratum/{own.Id.LogicalVolume})",
        };
        foreach (var device in expected.Keys)
        {
            RefusedChecksums[device] = await DiskBed.ChecksumAsync(device);
        }

        var pvsBefore = await PvsAsync();
        await _bed.WriteConfigAsync(DiskBed.ExampleWith([.. expected.Keys]));
        await WaitUntilAsync(() => expected.Keys.All(d => Storage.Disks.LastReport.Disks.Any(s => s.Path == d)), "the refused disks to be reported");

        Assert.Equal(2, Storage.Config.Current.Generation);
        foreach (var (device, reason) in expected)
        {
            var status = Assert.Single(Storage.Disks.LastReport.Disks, s => s.Path == device);
            Assert.Equal((DiskState.Refused, reason), (status.State, status.Reason));
            Assert.Equal(RefusedChecksums[device], await DiskBed.ChecksumAsync(device));
        }

        Assert.Equal(pvsBefore, await PvsAsync());
        var reported = (await StatusAsync()).Disks.Where(d => d.State == "refused").ToDictionary(d => d.Path, d => d.Reason);
        Assert.Equal(expected.OrderBy(e => e.Key), reported.OrderBy(r => r.Key));
        Assert.Contains(_bed.Log.Entries, e => e.EventId == 5602 && e.Message.Contains(_bed.WithLuks.DevicePath, StringComparison.Ordinal) && e.Message.Contains("encryption header", StringComparison.Ordinal));
    }

    [Fact]
    [Step(3)]
    public async Task Reload_PatternAddsBlankDisk_VolumeGroupAndCapacityGrowWithoutRestart()
    {
        var plugin = _bed.Plugin;
        var before = (await CapacityAsync()).AvailableCapacity;

        await _bed.WriteConfigAsync(DiskBed.ExampleWith([.. RefusedChecksums.Keys, _bed.ForReload.DevicePath, "/dev/mapper/tbhot*"]));
        await WaitUntilAsync(async () => (await CapacityAsync()).AvailableCapacity > before + DiskBed.GrowBytes - (16L << 20), "GetCapacity to grow by the new disk");

        Assert.Same(plugin, _bed.Plugin);
        var storage = Storage;
        Assert.Equal(3, storage.Config.Current.Generation);
        Assert.Contains($"{_bed.ForReload.DevicePath} stratum", await PvsAsync());
        Assert.Equal(DiskState.Claimed, Assert.Single(storage.Disks.LastReport.Disks, d => d.Path == _bed.ForReload.DevicePath).State);
    }

    [Fact]
    [Step(4)]
    public async Task Hotplug_DeviceAppearsMatchingAPattern_ClaimedWithoutReloadOrRestart()
    {
        var before = (await CapacityAsync()).AvailableCapacity;
        var clock = Stopwatch.StartNew();

        await _bed.PlugAsync();
        await WaitUntilAsync(async () => (await CapacityAsync()).AvailableCapacity > before + DiskBed.GrowBytes - (16L << 20), "the hot-plugged disk to be claimed");

        _output.WriteLine($"claimed {clock.Elapsed.TotalSeconds:0.0} s after it appeared (the periodic rescan is every {Storage.Config.Current.Config.DiskRescanSeconds} s)");
        Assert.True(clock.Elapsed < Storage.Config.Current.Config.DiskRescanInterval, "only the periodic rescan found it");
        Assert.Equal(3, Storage.Config.Current.Generation);
        Assert.Contains($"/dev/mapper/{DiskBed.HotplugName} stratum", await PvsAsync());
    }

    [Fact]
    [Step(5)]
    public async Task Reload_BrokenConfig_OldOneKeptAndTheErrorSaysWhy()
    {
        var good = await File.ReadAllTextAsync(_bed.ConfigPath);

        try
        {
            await _bed.WriteConfigAsync(good.Replace("volumeGroup:", "volumegroup:", StringComparison.Ordinal));
            await WaitUntilAsync(async () => (await StatusAsync()).Config.LastError.Length > 0, "the broken file to be rejected");

            var config = (await StatusAsync()).Config;
            var problems = config.LastError.Split('\n');
            Assert.Equal(3, config.Generation);
            Assert.Equal(1, config.RejectedReloads);
            Assert.Contains(problems, p => p.StartsWith(_bed.ConfigPath + ":", StringComparison.Ordinal) && p.EndsWith(": device class 'default': unknown key 'volumegroup'; did you mean 'volumeGroup'?", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.EndsWith(": device class 'default': 'volumeGroup' is required", StringComparison.Ordinal));
            // The status is updated before the rejection is logged; wait for the line rather than race it.
            await WaitUntilAsync(() => _bed.Log.Entries.Any(e => e.EventId == 5501 && e.Message.Contains("generation 3 stays in use", StringComparison.Ordinal)), "the rejection to be logged");
            var still = await CreateAsync("disk-test-while-broken", 32L << 20);
            Volumes["while-broken"] = (still.Id.ToString(), await DiskBed.FillAsync(still.DevicePath, 1 << 20));
        }
        finally
        {
            await _bed.WriteConfigAsync(good);
        }

        await WaitUntilAsync(async () => (await StatusAsync()).Config.LastError.Length == 0, "the repaired file to be accepted");
        Assert.Equal(3, (await StatusAsync()).Config.Generation);
    }

    [Fact]
    [Step(6)]
    public async Task Restart_SameNode_EveryVolumeServableWithItsData()
    {
        var data = await CreateAsync("disk-test-data", 32L << 20);
        Volumes["data"] = (data.Id.ToString(), await DiskBed.FillAsync(data.DevicePath, 4 << 20));
        await _bed.StopAsync();

        await _bed.StartAsync();
        var storage = Storage;

        Assert.False(storage.Disks.LastReport.Changed);
        Assert.All(storage.Disks.LastReport.Disks.Where(d => d.VolumeGroup == "stratum" && d.State != DiskState.Refused), d => Assert.Equal(DiskState.Member, d.State));
        Assert.Empty(storage.Recovery.MissingPhysicalVolumes);
        await AssertVolumesServableAsync();
    }

    [Fact]
    [Step(7)]
    public async Task Reinstall_PluginStateGoneDisksKept_EveryVolumeServableWithItsData()
    {
        await _bed.StopAsync();
        // What a reinstalled node has: the data disks, nothing active, no LVM archives or caches.
        await Sh.RunAsync("vgchange", "--activate", "n", "stratum");
        foreach (var directory in new[] { "/etc/lvm/archive", "/etc/lvm/backup", "/run/lvm" })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        await _bed.StartAsync();

        var status = await StatusAsync();
        Assert.Contains("stratum", status.Recovery.ActivatedVolumeGroups);
        Assert.DoesNotContain(status.Disks, d => d.State == "claimed");
        await AssertVolumesServableAsync();
        foreach (var (device, checksum) in RefusedChecksums.Where(r => !r.Key.StartsWith("/dev/stratum/", StringComparison.Ordinal)))
        {
            Assert.Equal(checksum, await DiskBed.ChecksumAsync(device));
        }
    }

    [Fact]
    [Step(8)]
    public async Task Recovery_VolumeGroupLostADisk_VolumesOnItReportedOthersServed()
    {
        var first = _bed.ForRecovery[0].DevicePath;
        var second = _bed.ForRecovery[1].DevicePath;
        await _bed.WriteConfigAsync(DiskBed.ExampleWith([.. RefusedChecksums.Keys, _bed.ForReload.DevicePath, "/dev/mapper/tbhot*"])
            + $"  - name: recover\n    volumeGroup: {DiskBed.RecoveryGroup}\n    devices: [{first}, {second}]\n");
        await WaitUntilAsync(async () => (await StatusAsync()).Disks.Count(d => d.VolumeGroup == DiskBed.RecoveryGroup && d.State == "claimed") == 2, "the recovery VG to be built");
        // One volume fills one PV, so the next lands on the other; that other disk is then lost.
        var pvSize = (await _bed.Lvm.ListPhysicalVolumesAsync(DiskBed.RecoveryGroup, default)).Max(p => p.FreeBytes);
        var onFirst = await CreateAsync("disk-test-on-first", pvSize, "recover");
        var onSecond = await CreateAsync("disk-test-on-second", 16L << 20, "recover");
        var firstChecksum = await DiskBed.FillAsync(onFirst.DevicePath, 1 << 20);
        var secondSegments = await SegmentsOn($"{onSecond.Id.VolumeGroup}/{onSecond.Id.LogicalVolume}");
        var lost = _bed.ForRecovery.Single(s => secondSegments.Contains(s.DevicePath, StringComparison.Ordinal));
        Assert.DoesNotContain(lost.DevicePath, await SegmentsOn($"{onFirst.Id.VolumeGroup}/{onFirst.Id.LogicalVolume}"), StringComparison.Ordinal);
        await _bed.StopAsync();
        await Sh.RunAsync("vgchange", "--activate", "n", DiskBed.RecoveryGroup);
        await Sh.RunAsync("dmsetup", "remove", "--retry", lost.Name);

        await _bed.StartAsync();

        var status = await StatusAsync();
        Assert.StartsWith($"{DiskBed.RecoveryGroup}: ", Assert.Single(status.Recovery.MissingPhysicalVolumes), StringComparison.Ordinal);
        var unservable = Assert.Single(status.Recovery.UnservableVolumes);
        Assert.Equal(("disk-test-on-second", onSecond.Id.ToString()), (unservable.Name, unservable.VolumeId));
        Assert.Contains(status.Disks, d => d.VolumeGroup == DiskBed.RecoveryGroup && d.State == "missing");
        Volumes["on-first"] = (onFirst.Id.ToString(), firstChecksum);
        await AssertVolumesServableAsync();
        var refused = await Assert.ThrowsAsync<RpcException>(() => PublishAsync(onSecond.Id.ToString(), "lost"));
        _output.WriteLine($"staging the volume on the lost disk: {refused.StatusCode}: {refused.Status.Detail}");
    }

    private static async Task<string> SegmentsOn(string lv) =>
        (await Sh.RunAsync("lvs", "--noheadings", "-o", "devices", lv)).Stdout;

    /// <summary>Every volume so far is staged and published as a raw block device through the socket, and reads back its data.</summary>
    private async Task AssertVolumesServableAsync()
    {
        foreach (var (name, (id, checksum)) in Volumes)
        {
            var target = await PublishAsync(id, name);
            try
            {
                Assert.Equal(checksum, await DiskBed.ChecksumAsync(target));
            }
            finally
            {
                await Client.Node.NodeUnpublishVolumeAsync(new NodeUnpublishVolumeRequest { VolumeId = id, TargetPath = target });
                await Client.Node.NodeUnstageVolumeAsync(new NodeUnstageVolumeRequest { VolumeId = id, StagingTargetPath = Path.Combine(_bed.WorkDirectory, "s-" + name) });
            }
        }
    }

    /// <summary>NodeStageVolume and NodePublishVolume as raw block, as kubelet calls them; returns the target (the device node).</summary>
    private async Task<string> PublishAsync(string volumeId, string hint)
    {
        var staging = Path.Combine(_bed.WorkDirectory, "s-" + hint);
        var target = Path.Combine(_bed.WorkDirectory, "p-" + hint);
        Directory.CreateDirectory(staging);
        await Client.Node.NodeStageVolumeAsync(Requests.Stage(volumeId, staging, Requests.Block()));
        await Client.Node.NodePublishVolumeAsync(Requests.Publish(volumeId, staging, target, Requests.Block()));
        return target;
    }

    /// <summary>CreateVolume (raw block) through the socket; returns the volume with its LV's device path.</summary>
    private async Task<(VolumeId Id, string DevicePath)> CreateAsync(string name, long bytes, string? deviceClass = null)
    {
        var created = await Client.Controller.CreateVolumeAsync(Requests.Create(name, bytes, Requests.Block(), deviceClass));
        var id = VolumeId.TryParse(created.Volume.VolumeId, out var parsed) ? parsed : throw new InvalidOperationException(created.Volume.VolumeId);
        return (id, $"/dev/{id.VolumeGroup}/{id.LogicalVolume}");
    }

    private async Task<GetCapacityResponse> CapacityAsync() => await Client.Controller.GetCapacityAsync(Requests.Capacity());

    private async Task<GetStatusResponse> StatusAsync() => await Client.Status.GetStatusAsync(new GetStatusRequest());

    private static async Task<IReadOnlyList<string>> PvsAsync() =>
        [.. (await Sh.RunAsync("pvs", "--noheadings", "-o", "pv_name,vg_name")).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .Order(StringComparer.Ordinal)];

    private static async Task WaitUntilAsync(Func<bool> condition, string what) =>
        await WaitUntilAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Within)
            {
                throw new TimeoutException($"waited {Within.TotalSeconds} s for {what}");
            }

            await Task.Delay(200);
        }
    }
}
