using System.Diagnostics;
using Stratum.RealLvm.Tests.Harness;
using Stratum.Volumes;
using Stratum.Volumes.Disks;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Disks;

/// <summary>
/// Disk management, hot reload and start-up recovery on real LVM and real disks, as one scenario
/// on one bed (<see cref="DiskBed"/>): the node starts with examples/disks.yaml and claims the blank
/// disks; disks that are not blank are refused and stay byte-for-byte the same; a configuration
/// change and a device that appears grow the VG and the capacity without a restart; a broken
/// configuration keeps the old one; a restart and a reinstall keep every volume and its data; a VG
/// that loses a disk reports the volumes on it and serves the others. Steps run in order.
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

    [Fact]
    [Step(1)]
    public async Task Start_ExampleDisksConfig_BlankDisksClaimedIntoStratum()
    {
        await _bed.WriteConfigAsync(DiskBed.ExampleWith());

        var storage = await _bed.StartAsync();

        var report = storage.Disks.LastReport;
        Assert.Equal(_bed.WholeDisks.Select(d => (d, DiskState.Claimed)), report.Disks.Select(d => (d.Path, d.State)));
        var pvs = await PvsAsync();
        Assert.Equal(_bed.WholeDisks.Select(d => $"{d} stratum"), pvs.Where(p => p.EndsWith(" stratum", StringComparison.Ordinal)));
        Assert.Contains(DiskManager.ManagedTag, (await Sh.RunAsync("vgs", "--noheadings", "-o", "vg_tags", "stratum")).Stdout, StringComparison.Ordinal);
        var group = (await _bed.Lvm.GetVolumeGroupAsync("stratum", default))!;
        Assert.Equal(group.FreeBytes, Capacity().AvailableBytes);
    }

    [Fact]
    [Step(2)]
    public async Task Reload_DisksThatAreNotBlank_RefusedWithReasonsAndLeftUnchanged()
    {
        var own = await Storage.Engine.CreateAsync(new CreateVolumeSpec { Name = "disk-test-own-block", RequiredBytes = 32L << 20 }, default);
        Volumes["own"] = (own.Id.ToString(), await DiskBed.FillAsync(own.DevicePath, 1 << 20));
        var expected = new Dictionary<string, string>
        {
            [_bed.WithFilesystem.DevicePath] = "holds a filesystem (ext4)",
            [_bed.WithPartitionTable.DevicePath] = "holds a partition table (gpt)",
            [_bed.WithLuks.DevicePath] = "holds an encryption header (crypto_LUKS)",
            [_bed.OtherGroupsPv.DevicePath] = $"is an LVM physical volume of volume group '{DiskBed.OtherGroup}'",
            [own.DevicePath] = $"is one of Stratum's own volumes (stratum/{own.Lv.Name})",
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
        Assert.Contains(_bed.Log.Entries, e => e.EventId == 5602 && e.Message.Contains(_bed.WithLuks.DevicePath, StringComparison.Ordinal) && e.Message.Contains("encryption header", StringComparison.Ordinal));
    }

    [Fact]
    [Step(3)]
    public async Task Reload_PatternAddsBlankDisk_VolumeGroupAndCapacityGrowWithoutRestart()
    {
        var storage = Storage;
        var before = Capacity().AvailableBytes;

        await _bed.WriteConfigAsync(DiskBed.ExampleWith([.. RefusedChecksums.Keys, _bed.ForReload.DevicePath, "/dev/mapper/tbhot*"]));
        await WaitUntilAsync(() => Capacity().AvailableBytes > before + DiskBed.GrowBytes - (16L << 20), "the capacity to grow by the new disk");

        Assert.Same(storage, Storage);
        Assert.Equal(3, storage.Config.Current.Generation);
        Assert.Contains($"{_bed.ForReload.DevicePath} stratum", await PvsAsync());
        Assert.Equal(DiskState.Claimed, Assert.Single(storage.Disks.LastReport.Disks, d => d.Path == _bed.ForReload.DevicePath).State);
    }

    [Fact]
    [Step(4)]
    public async Task Hotplug_DeviceAppearsMatchingAPattern_ClaimedWithoutReloadOrRestart()
    {
        var before = Capacity().AvailableBytes;
        var clock = Stopwatch.StartNew();

        await _bed.PlugAsync();
        await WaitUntilAsync(() => Capacity().AvailableBytes > before + DiskBed.GrowBytes - (16L << 20), "the hot-plugged disk to be claimed");

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
            await WaitUntilAsync(() => Storage.Config.LastError is not null, "the broken file to be rejected");

            var problems = Storage.Config.LastError!.Problems;
            Assert.All(problems, p => Assert.Equal(_bed.ConfigPath, p.Source));
            Assert.Contains(problems, p => p.Message == "device class 'default': unknown key 'volumegroup'; did you mean 'volumeGroup'?");
            Assert.Contains(problems, p => p.Message == "device class 'default': 'volumeGroup' is required");
            Assert.Equal(3, Storage.Config.Current.Generation);
            Assert.Contains(_bed.Log.Entries, e => e.EventId == 5501 && e.Message.Contains("generation 3 stays in use", StringComparison.Ordinal));
            var still = await Storage.Engine.CreateAsync(new CreateVolumeSpec { Name = "disk-test-while-broken", RequiredBytes = 32L << 20 }, default);
            Volumes["while-broken"] = (still.Id.ToString(), await DiskBed.FillAsync(still.DevicePath, 1 << 20));
        }
        finally
        {
            await _bed.WriteConfigAsync(good);
        }

        await WaitUntilAsync(() => Storage.Config.LastError is null, "the repaired file to be accepted");
        Assert.Equal(3, Storage.Config.Current.Generation);
    }

    [Fact]
    [Step(6)]
    public async Task Restart_SameNode_EveryVolumeServableWithItsData()
    {
        var data = await Storage.Engine.CreateAsync(new CreateVolumeSpec { Name = "disk-test-data", RequiredBytes = 32L << 20 }, default);
        Volumes["data"] = (data.Id.ToString(), await DiskBed.FillAsync(data.DevicePath, 4 << 20));
        await _bed.StopAsync();

        var storage = await _bed.StartAsync();

        Assert.False(storage.Disks.LastReport.Changed);
        Assert.All(storage.Disks.LastReport.Disks.Where(d => d.VolumeGroup == "stratum" && d.State != DiskState.Refused), d => Assert.Equal(DiskState.Member, d.State));
        Assert.Empty(storage.Recovery.MissingPhysicalVolumes);
        await AssertVolumesServableAsync(storage);
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

        var storage = await _bed.StartAsync();

        Assert.Contains("stratum", storage.Recovery.ActivatedVolumeGroups);
        Assert.False(storage.Disks.LastReport.Changed);
        await AssertVolumesServableAsync(storage);
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
        await WaitUntilAsync(() => Storage.Disks.LastReport.Disks.Count(d => d.VolumeGroup == DiskBed.RecoveryGroup && d.State == DiskState.Claimed) == 2, "the recovery VG to be built");
        // One volume fills one PV, so the next lands on the other; that other disk is then lost.
        var pvSize = (await _bed.Lvm.ListPhysicalVolumesAsync(DiskBed.RecoveryGroup, default)).Max(p => p.FreeBytes);
        var onFirst = await Storage.Engine.CreateAsync(new CreateVolumeSpec { Name = "disk-test-on-first", RequiredBytes = pvSize, DeviceClass = "recover" }, default);
        var onSecond = await Storage.Engine.CreateAsync(new CreateVolumeSpec { Name = "disk-test-on-second", RequiredBytes = 16L << 20, DeviceClass = "recover" }, default);
        var firstChecksum = await DiskBed.FillAsync(onFirst.DevicePath, 1 << 20);
        var secondSegments = await SegmentsOn(onSecond.Lv.FullName);
        var lost = _bed.ForRecovery.Single(s => secondSegments.Contains(s.DevicePath, StringComparison.Ordinal));
        Assert.DoesNotContain(lost.DevicePath, await SegmentsOn(onFirst.Lv.FullName), StringComparison.Ordinal);
        await _bed.StopAsync();
        await Sh.RunAsync("vgchange", "--activate", "n", DiskBed.RecoveryGroup);
        await Sh.RunAsync("dmsetup", "remove", "--retry", lost.Name);

        var storage = await _bed.StartAsync();

        var missing = Assert.Single(storage.Recovery.MissingPhysicalVolumes);
        Assert.Equal(DiskBed.RecoveryGroup, missing.VolumeGroup);
        var unservable = Assert.Single(storage.Recovery.UnservableVolumes);
        Assert.Equal(("disk-test-on-second", onSecond.Id.ToString()), (unservable.CsiName, unservable.VolumeId));
        Assert.Contains(storage.Disks.LastReport.Disks, d => d.VolumeGroup == DiskBed.RecoveryGroup && d.State == DiskState.Missing);
        var served = await storage.Engine.Catalog.FindAsync(onFirst.Id, default);
        Assert.True(served?.Lv.IsActive, "the volume on the disk that is still there is not active");
        Assert.Equal(firstChecksum, await DiskBed.ChecksumAsync(served!.DevicePath));
        await AssertVolumesServableAsync(storage);
    }

    private static async Task<string> SegmentsOn(string lv) =>
        (await Sh.RunAsync("lvs", "--noheadings", "-o", "devices", lv)).Stdout;

    private async Task AssertVolumesServableAsync(NodeStorage storage)
    {
        foreach (var (name, (id, checksum)) in Volumes)
        {
            var volume = await storage.Engine.Catalog.FindAsync(id, default);
            Assert.True(volume is not null, $"volume {name} ({id}) is not found");
            Assert.True(volume.Lv.IsActive, $"volume {name} is not active");
            Assert.Equal(checksum, await DiskBed.ChecksumAsync(volume.DevicePath));
        }
    }

    private Stratum.Volumes.Capacity.ClassCapacity Capacity() =>
        Storage.Engine.GetCapacity(Storage.Engine.ResolveClass(null));

    private static async Task<IReadOnlyList<string>> PvsAsync() =>
        [.. (await Sh.RunAsync("pvs", "--noheadings", "-o", "pv_name,vg_name")).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .Order(StringComparer.Ordinal)];

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Within)
            {
                throw new TimeoutException($"waited {Within.TotalSeconds} s for {what}");
            }

            await Task.Delay(200);
        }
    }
}
