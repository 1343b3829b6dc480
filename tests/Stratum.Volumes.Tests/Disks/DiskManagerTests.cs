using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Testing.Lvm;
using Stratum.Volumes.Disks;
using Stratum.Volumes.Filesystems;
using Stratum.Volumes.Metadata;

namespace Stratum.Volumes.Tests.Disks;

/// <summary>Disk management on the LVM simulator with canned sysfs facts.</summary>
public sealed class DiskManagerTests : IAsyncLifetime
{
    private const long Gi = 1L << 30;
    private readonly LvmSimulator _lvm = new();
    private readonly FakeDiskHost _host = new();
    private DiskManager _disks = null!;
    private int _capacityRefreshes;

    public Task InitializeAsync()
    {
        _disks = new DiskManager(_lvm, _host, _host, _ => { Interlocked.Increment(ref _capacityRefreshes); return Task.CompletedTask; }, NullLogger<DiskManager>.Instance, new DiskManagerOptions { HotplugDebounce = TimeSpan.FromMilliseconds(10) });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _disks.DisposeAsync();
        await _lvm.DisposeAsync();
    }

    [Fact]
    public async Task ScanAsync_BlankDisks_VolumeGroupCreatedThenExtendedAndTagged()
    {
        AddDisk("vdb", 4 * Gi);
        AddDisk("vdc", 4 * Gi);

        var report = await _disks.ScanAsync(Classes("/dev/vd[b-z]"), default);

        Assert.Equal([("/dev/vdb", DiskState.Claimed), ("/dev/vdc", DiskState.Claimed)], report.Disks.Select(d => (d.Path, d.State)));
        var group = await _lvm.Admin.GetVolumeGroupAsync("stratum", default);
        Assert.Equal(2, group!.PhysicalVolumeCount);
        Assert.Contains(DiskManager.ManagedTag, group.Tags);
        Assert.Equal(1, _lvm.GetCallCount(LvmOperation.CreateVolumeGroup));
        Assert.Equal(1, _lvm.GetCallCount(LvmOperation.ExtendVolumeGroup));
        Assert.Equal(1, _capacityRefreshes);
        Assert.Same(report, _disks.LastReport);
    }

    [Fact]
    public async Task ScanAsync_Again_MembersAndNoChange()
    {
        AddDisk("vdb", 4 * Gi);
        await _disks.ScanAsync(Classes("/dev/vdb"), default);
        _lvm.ResetCalls();

        var report = await _disks.ScanAsync(Classes("/dev/vdb"), default);

        Assert.Equal(DiskState.Member, Assert.Single(report.Disks).State);
        Assert.False(report.Changed);
        Assert.Equal(0, _lvm.GetCallCount(LvmOperation.CreateVolumeGroup) + _lvm.GetCallCount(LvmOperation.ExtendVolumeGroup));
        Assert.Equal(1, _capacityRefreshes);
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "read-only", "is read-only" },
        { "removable", "is removable media" },
        { "tiny", "is smaller than 16 MiB" },
        { "mounted", "is mounted at /srv" },
        { "held", "is in use: held by dm-9 (crypt)" },
        { "partitioned", "has partitions (vdx1)" },
        { "root disk", "holds /, the system's own filesystem" },
        { "partition of the root disk", "is a partition of vdr, which holds /" },
        { "partition of a disk in use", "is a partition of vdu, which is in use (vdu1 is mounted at /data)" },
        { "LVM-made", "is a device LVM made (other-lv); a physical volume on a logical volume is never what is meant" },
        { "loop over an LV", "is a loop device over an LVM volume (dm-7 (other-img), file /dev/other/img)" },
        { "filesystem", "holds a filesystem (ext4)" },
        { "partition table", "holds a partition table (gpt)" },
        { "LUKS", "holds an encryption header (crypto_LUKS)" },
        { "raid", "holds a RAID or LVM signature (linux_raid_member)" },
        { "ambivalent", "holds several signatures (blkid cannot tell which is current)" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task ScanAsync_UnsafeOrNotBlank_RefusedWithReasonAndUntouched(string scenario, string reason)
    {
        var path = Arrange(scenario);

        var report = await _disks.ScanAsync(Classes(path), default);

        var disk = Assert.Single(report.Disks, d => d.Path == path);
        Assert.Equal((DiskState.Refused, reason), (disk.State, disk.Reason));
        Assert.Null(await _lvm.Admin.GetVolumeGroupAsync("stratum", default));
        Assert.Equal(0, _capacityRefreshes);
        var probed = _host.Probed.Contains(path);
        Assert.Equal(reason.StartsWith("holds a", StringComparison.Ordinal) || reason.StartsWith("holds several", StringComparison.Ordinal), probed);
    }

    [Fact]
    public async Task ScanAsync_StratumsOwnVolume_RefusedNamingIt()
    {
        await _lvm.AddVolumeGroupAsync("stratum", [4 * Gi]);
        var lv = await _lvm.Admin.CreateVolumeAsync(
            new CreateVolumeRequest { VolumeGroup = "stratum", Name = "pvc-1-0123abcd", SizeBytes = Gi, Tags = [VolumeMetadata.OwnerTag] }, default);
        _host.Add("dm-3", Gi, d => d with { DeviceMapperName = "stratum-pvc--1--0123abcd", DeviceMapperUuid = "LVM-abc" }, links: "/dev/mapper/stratum-pvc--1--0123abcd");

        var report = await _disks.ScanAsync(Classes(["/dev/mapper/stratum-*"], volumeGroup: "data"), default);

        var disk = Assert.Single(report.Disks);
        Assert.Equal($"is one of Stratum's own volumes ({lv.FullName})", disk.Reason);
        Assert.DoesNotContain(disk.Path, _host.Probed);
    }

    [Fact]
    public async Task ScanAsync_PhysicalVolumeOfAnotherGroupOrNone_Refused()
    {
        _host.Add("vdf", 4 * Gi);
        _host.Add("vdg", 4 * Gi);
        _lvm.AddDevice("/dev/vdf", 4 * Gi);
        _lvm.AddDevice("/dev/vdg", 4 * Gi);
        await _lvm.Admin.CreateVolumeGroupAsync("other", ["/dev/vdf"], [], default);
        await _lvm.Admin.CreatePhysicalVolumeAsync("/dev/vdg", default);

        var report = await _disks.ScanAsync(Classes("/dev/vd[f-g]"), default);

        Assert.Equal(
            ["is an LVM physical volume of volume group 'other'", "is an LVM physical volume in no volume group (Stratum only takes blank disks; add it by hand with vgextend if it is meant for this group)"],
            report.Disks.Select(d => d.Reason));
    }

    [Fact]
    public async Task ScanAsync_DiskMatchedForTwoGroups_RefusedForBoth()
    {
        AddDisk("vdb", 4 * Gi);
        var config = ConfigLoader.LoadFromText(
            """
            deviceClasses:
              - {name: a, volumeGroup: vga, default: true, devices: ["/dev/vd*"]}
              - {name: b, volumeGroup: vgb, devices: ["/dev/vdb"]}
            """,
            "config.yaml");

        var report = await _disks.ScanAsync(new DeviceClassManager(config), default);

        var disk = Assert.Single(report.Disks);
        Assert.Equal((DiskState.Refused, "is matched by the devices of volume groups 'vga' and 'vgb'; a disk can join only one"), (disk.State, disk.Reason));
    }

    [Fact]
    public async Task ScanAsync_SameDiskByTwoNames_ClaimedOnce()
    {
        AddDiskWithLinks("vdb", 4 * Gi, "/dev/disk/by-id/virtio-data1");

        var report = await _disks.ScanAsync(Classes("/dev/disk/by-id/virtio-*", "/dev/vdb"), default);

        Assert.Equal(("/dev/disk/by-id/virtio-data1", DiskState.Claimed), (Assert.Single(report.Disks).Path, report.Disks[0].State));
    }

    [Fact]
    public async Task ScanAsync_LvmRefusesTheDisk_FailedAndRetriedNextScan()
    {
        _host.Add("vdb", 4 * Gi);
        _lvm.AddDevice("/dev/vdb", 4 * Gi, signature: "xfs"); // written after the probe looked

        var failed = await _disks.ScanAsync(Classes("/dev/vdb"), default);

        var disk = Assert.Single(failed.Disks);
        Assert.Equal(DiskState.Failed, disk.State);
        Assert.Contains("xfs", disk.Reason, StringComparison.Ordinal);
        Assert.Null(await _lvm.Admin.GetVolumeGroupAsync("stratum", default));

        _lvm.SetDeviceSignature("/dev/vdb", null);
        Assert.Equal(DiskState.Claimed, Assert.Single((await _disks.ScanAsync(Classes("/dev/vdb"), default)).Disks).State);
    }

    [Fact]
    public async Task ScanAsync_ThinClass_PoolCreatedAfterClaimAndGrownWithTheGroup()
    {
        AddDisk("vdb", 4 * Gi);
        var classes = Classes(["/dev/vd[b-z]"], thin: "{pool: pool0, size: 50%, chunkSize: 128Ki}");

        var first = await _disks.ScanAsync(classes, default);

        var pool = Assert.Single(Assert.Single(first.VolumeGroups).Pools);
        Assert.Equal(PoolState.Created, pool.State);
        var created = (await _lvm.Admin.GetLogicalVolumeAsync("stratum", "pool0", default))!;
        Assert.True(created.IsThinPool);
        Assert.Contains(DiskManager.ManagedTag, created.Tags);
        var group = (await _lvm.Admin.GetVolumeGroupAsync("stratum", default))!;
        Assert.Equal(group.SizeBytes / 2 / group.ExtentSizeBytes * group.ExtentSizeBytes, created.SizeBytes);

        AddDisk("vdc", 4 * Gi);
        var second = await _disks.ScanAsync(classes, default);

        Assert.Equal(PoolState.Grown, Assert.Single(second.VolumeGroups[0].Pools).State);
        group = (await _lvm.Admin.GetVolumeGroupAsync("stratum", default))!;
        var grown = (await _lvm.Admin.GetLogicalVolumeAsync("stratum", "pool0", default))!;
        Assert.Equal(group.SizeBytes / 2 / group.ExtentSizeBytes * group.ExtentSizeBytes, grown.SizeBytes);
        Assert.Equal(2, _capacityRefreshes);

        var third = await _disks.ScanAsync(classes, default);
        Assert.Equal(PoolState.Present, third.VolumeGroups[0].Pools[0].State);
        Assert.Equal(2, _capacityRefreshes);
    }

    [Fact]
    public async Task ScanAsync_AbsolutePoolLargerThanTheGroup_WaitsSayingWhy()
    {
        AddDisk("vdb", 4 * Gi);

        var report = await _disks.ScanAsync(Classes(["/dev/vdb"], thin: "{pool: pool0, size: 10Gi}"), default);

        var pool = Assert.Single(report.VolumeGroups[0].Pools);
        Assert.Equal(PoolState.Waiting, pool.State);
        Assert.Contains("the pool needs 10737418240", pool.Reason, StringComparison.Ordinal);
        Assert.Null(await _lvm.Admin.GetLogicalVolumeAsync("stratum", "pool0", default));
    }

    [Fact]
    public async Task ScanAsync_NoBlankDisk_PoolWaitsForTheGroup()
    {
        var report = await _disks.ScanAsync(Classes(["/dev/vdb"], thin: "{pool: pool0, size: 50%}"), default);

        var group = Assert.Single(report.VolumeGroups);
        Assert.False(group.Exists);
        Assert.Contains("does not exist yet", group.Pools[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScanAsync_MemberNoLongerMatched_KeptAndSaidSo()
    {
        AddDisk("vdb", 4 * Gi);
        AddDisk("vdc", 4 * Gi);
        await _disks.ScanAsync(Classes("/dev/vd[b-c]"), default);

        var report = await _disks.ScanAsync(Classes("/dev/vdc"), default);

        Assert.Equal(2, (await _lvm.Admin.GetVolumeGroupAsync("stratum", default))!.PhysicalVolumeCount);
        var kept = Assert.Single(report.Disks, d => d.Path == "/dev/vdb");
        Assert.Equal(DiskState.Member, kept.State);
        Assert.Contains("Stratum never removes a physical volume", kept.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScanAsync_NoClassWithDevices_NothingRead()
    {
        var report = await _disks.ScanAsync(new DeviceClassManager(ConfigLoader.BuiltInDefault), default);

        Assert.Empty(report.Disks);
        Assert.Equal(0, _lvm.TotalCallCount);
    }

    [Fact]
    public async Task Start_DiskAppearsAndScanRequested_ClaimedWithinSeconds()
    {
        AddDisk("vdb", 4 * Gi);
        var classes = Classes("/dev/vd[b-z]");
        _disks.Start(() => classes);
        await WaitUntilAsync(async () => (await _lvm.Admin.GetVolumeGroupAsync("stratum", default))?.PhysicalVolumeCount == 1);

        AddDisk("vdc", 4 * Gi);
        _disks.RequestScan();

        await WaitUntilAsync(async () => (await _lvm.Admin.GetVolumeGroupAsync("stratum", default))?.PhysicalVolumeCount == 2);
    }

    [Fact]
    public async Task OnDeviceChange_NoNewMatchingDisk_NoLvmCommand()
    {
        AddDisk("vdb", 4 * Gi);
        var classes = Classes("/dev/vd[b-z]");
        _disks.Start(() => classes);
        await WaitUntilAsync(async () => (await _lvm.Admin.GetVolumeGroupAsync("stratum", default)) is not null);
        await WaitUntilAsync(() => Task.FromResult(_disks.LastReport.Disks.Count == 1));
        _lvm.ResetCalls();

        _host.Add("dm-5", Gi, d => d with { DeviceMapperName = "stratum-pvc", DeviceMapperUuid = "LVM-x" }); // an LV Stratum just made
        _disks.OnDeviceChange();
        await Task.Delay(300);

        Assert.Equal(0, _lvm.TotalCallCount);
    }

    [Fact]
    public async Task OnDeviceChange_MatchingDiskAppears_ClaimedWithinSeconds()
    {
        AddDisk("vdb", 4 * Gi);
        var classes = Classes("/dev/vd[b-z]");
        _disks.Start(() => classes);
        await WaitUntilAsync(async () => (await _lvm.Admin.GetVolumeGroupAsync("stratum", default))?.PhysicalVolumeCount == 1);

        AddDisk("vdc", 4 * Gi);
        _disks.OnDeviceChange();

        await WaitUntilAsync(async () => (await _lvm.Admin.GetVolumeGroupAsync("stratum", default))?.PhysicalVolumeCount == 2);
    }

    /// <summary>Puts the device the scenario needs at /dev/vdx (or a related name) and returns the path to match.</summary>
    private string Arrange(string scenario)
    {
        const string Path = "/dev/vdx";
        BlockDevice Add(Func<BlockDevice, BlockDevice>? shape = null, DeviceContents? contents = null) => AddDisk("vdx", 4 * Gi, shape, contents);
        switch (scenario)
        {
            case "read-only": Add(d => d with { ReadOnly = true }); break;
            case "removable": Add(d => d with { Removable = true }); break;
            case "tiny": AddDisk("vdx", 8L << 20); break;
            case "mounted": _host.Mount(Add(), "/srv"); break;
            case "held":
                _host.Add("dm-9", Gi, d => d with { DeviceMapperName = "crypt", DeviceMapperUuid = "CRYPT-LUKS2-x" });
                Add(d => d with { Holders = ["dm-9"] });
                break;
            case "partitioned":
                Add(d => d with { Partitions = ["vdx1"] });
                _host.Add("vdx1", Gi, d => d with { Parent = "vdx" });
                break;
            case "root disk":
                Add(d => d with { Partitions = ["vdx1"] });
                _host.Mount(_host.Add("vdx1", Gi, d => d with { Parent = "vdx" }), "/");
                return "/dev/vdx";
            case "partition of the root disk":
                _host.Add("vdr", 8 * Gi, d => d with { Partitions = ["vdr1", "vdr2"] });
                _host.Mount(_host.Add("vdr1", Gi, d => d with { Parent = "vdr" }), "/");
                AddDisk("vdr2", Gi, d => d with { Parent = "vdr" });
                return "/dev/vdr2";
            case "partition of a disk in use":
                _host.Add("vdu", 8 * Gi, d => d with { Partitions = ["vdu1", "vdu2"] });
                _host.Mount(_host.Add("vdu1", Gi, d => d with { Parent = "vdu" }), "/data");
                AddDisk("vdu2", Gi, d => d with { Parent = "vdu" });
                return "/dev/vdu2";
            case "LVM-made": Add(d => d with { DeviceMapperName = "other-lv", DeviceMapperUuid = "LVM-xyz" }); break;
            case "loop over an LV":
                _host.Add("dm-7", Gi, d => d with { DeviceMapperName = "other-img", DeviceMapperUuid = "LVM-img" }, links: "/dev/other/img");
                AddDisk("loop0", 4 * Gi, d => d with { LoopBackingFile = "/dev/other/img" });
                return "/dev/loop0";
            case "filesystem": Add(contents: new DeviceContents(false, "ext4", "filesystem")); break;
            case "partition table": Add(contents: new DeviceContents(false, "gpt", BlkidExport.PartitionTableUsage)); break;
            case "LUKS": Add(contents: new DeviceContents(false, "crypto_LUKS", "crypto")); break;
            case "raid": Add(contents: new DeviceContents(false, "linux_raid_member", "raid")); break;
            case "ambivalent": Add(contents: new DeviceContents(false, null, BlkidExport.AmbivalentUsage)); break;
            default: throw new ArgumentException(scenario);
        }

        return Path;
    }

    private BlockDevice AddDisk(string name, long size, Func<BlockDevice, BlockDevice>? shape = null, DeviceContents? contents = null, string[]? links = null)
    {
        links ??= [];
        var device = _host.Add(name, size, shape, contents, links);
        _lvm.AddDevice("/dev/" + name, size);
        foreach (var link in links)
        {
            _lvm.AddDevice(link, size);
        }

        return device;
    }

    private BlockDevice AddDiskWithLinks(string name, long size, params string[] links) => AddDisk(name, size, null, null, links);

    private static DeviceClassManager Classes(params string[] patterns) => Classes(patterns, thin: null);

    private static DeviceClassManager Classes(string[] patterns, string? thin = null, string volumeGroup = "stratum") =>
        new(ConfigLoader.LoadFromText(
            $"deviceClasses:\n  - name: default\n    volumeGroup: {volumeGroup}\n    devices: [{string.Join(", ", patterns.Select(p => $"\"{p}\""))}]\n" + (thin is null ? string.Empty : $"    thin: {thin}\n"),
            "config.yaml"));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "the condition did not hold within 5 s");
            await Task.Delay(20);
        }
    }
}
