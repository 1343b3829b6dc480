using Stratum.Lvm;
using Stratum.Testing.Lvm;

namespace Stratum.Testing.Tests.Lvm;

/// <summary>
/// The simulator's model against what LVM 2.03.16 was measured to do
/// (tests/Stratum.Lvm.Tests/TestData): sizes, lv_attr strings, messages, allocation.
/// </summary>
public sealed class LvmSimulatorTests
{
    private const long MiB = 1024 * 1024;
    private const long GiB = 1024 * MiB;
    private static CancellationToken Ct => CancellationToken.None;

    private static async Task<LvmSimulator> SimAsync(params long[] pvSizes)
    {
        var sim = new LvmSimulator();
        await sim.AddVolumeGroupAsync("vg", pvSizes.Length == 0 ? [GiB, GiB] : pvSizes);
        return sim;
    }

    private static CreateVolumeRequest Lv(string name, long size) => new() { VolumeGroup = "vg", Name = name, SizeBytes = size };

    // ================================================================ sizes

    [Theory]
    [InlineData(1L << 30, 1069547520L)]
    [InlineData(4L << 30, 4290772992L)]
    public async Task AddVolumeGroup_DeviceSize_GivesThePvSizeLvmReported(long deviceSize, long pvSize)
    {
        await using var sim = await SimAsync(deviceSize);

        var pv = Assert.Single(await sim.ListPhysicalVolumesAsync("vg", Ct));

        Assert.Equal(pvSize, pv.SizeBytes);
        Assert.Equal(deviceSize, pv.DeviceSizeBytes);
        Assert.Equal("a--", pv.Attributes);
    }

    [Fact]
    public async Task GetVolumeGroup_TwoOneGibDisks_Has510ExtentsAsMeasured()
    {
        await using var sim = await SimAsync();

        var vg = await sim.GetVolumeGroupAsync("vg", Ct);

        Assert.Equal(510, vg!.ExtentCount);
        Assert.Equal(2139095040, vg.SizeBytes);
        Assert.Equal(4 * MiB, vg.ExtentSizeBytes);
        Assert.Equal("wz--n-", vg.Attributes);
    }

    [Fact]
    public async Task CreateSnapshot_50GibCowOf16MibOrigin_IsReducedTo20MibAsMeasured()
    {
        await using var sim = await SimAsync();
        await sim.CreateVolumeAsync(Lv("a", 16 * MiB), Ct);

        var cow = await sim.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "vg", Origin = "a", Name = "cowbig", SizeBytes = 50 * GiB }, Ct);

        Assert.Equal(20 * MiB, cow.SizeBytes);
    }

    [Fact]
    public async Task CreateThinPool_First_TakesDataTmetaAndPmspareAndTheSecondNoNewSpare()
    {
        await using var sim = await SimAsync();
        var free = (await sim.GetVolumeGroupAsync("vg", Ct))!.FreeExtentCount;

        await sim.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = "vg", Name = "p1", SizeBytes = 32 * MiB }, Ct);
        var afterFirst = (await sim.GetVolumeGroupAsync("vg", Ct))!;
        await sim.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = "vg", Name = "p2", SizeBytes = 32 * MiB }, Ct);
        var afterSecond = (await sim.GetVolumeGroupAsync("vg", Ct))!;
        await sim.RemoveVolumeAsync("vg", "p1", Ct);
        await sim.RemoveVolumeAsync("vg", "p2", Ct);

        Assert.Equal(free - (8 + 1 + 1), afterFirst.FreeExtentCount);
        Assert.Equal(afterFirst.FreeExtentCount - (8 + 1), afterSecond.FreeExtentCount);
        Assert.Equal(2, afterSecond.LogicalVolumeCount);
        Assert.Equal(free, (await sim.GetVolumeGroupAsync("vg", Ct))!.FreeExtentCount);
    }

    [Fact]
    public async Task ExtendVolume_PoolTo100Gib_GrowsTmetaTo25ExtentsAsMeasured()
    {
        await using var sim = await SimAsync(200 * GiB);
        await sim.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = "vg", Name = "pool", SizeBytes = 32 * MiB }, Ct);
        var before = (await sim.GetVolumeGroupAsync("vg", Ct))!.FreeExtentCount;

        var pool = await sim.ExtendVolumeAsync("vg", "pool", 100 * GiB, Ct);

        Assert.Equal(100 * GiB, pool.SizeBytes);
        var growth = 25600 - 8 + (25 - 1) + (25 - 1); // data, tmeta, and the pmspare that follows tmeta
        Assert.Equal(before - growth, (await sim.GetVolumeGroupAsync("vg", Ct))!.FreeExtentCount);
    }

    [Fact]
    public async Task CreateVolume_LargerThanTheFirstPv_FillsPvsInOrder()
    {
        await using var sim = await SimAsync();

        await sim.CreateVolumeAsync(Lv("big", 300 * 4 * MiB), Ct);

        var pvs = await sim.ListPhysicalVolumesAsync("vg", Ct);
        Assert.Equal(0, pvs[0].FreeBytes);
        Assert.Equal((255 - 45) * 4 * MiB, pvs[1].FreeBytes);
    }

    // ================================================================ lv_attr and fields as measured

    public static TheoryData<string, string> MeasuredAttributes => new()
    {
        { "linear", "-wi-a-----" },
        { "striped", "-wi-a-----" },
        { "origin", "owi-a-s---" },
        { "cow", "swi-a-s---" },
        { "pool", "twi-aotz--" },
        { "idle pool", "twi-a-tz--" },
        { "raid1", "rwi-a-r---" },
        { "raid1 nosync", "Rwi-a-r---" },
        { "thin", "Vwi-a-tz--" },
        { "thin snapshot", "Vwi---tz-k" },
        { "thin snapshot activated", "Vwi-a-tz-k" },
        { "thin snapshot restored", "Vwi-a-tz--" },
        { "contiguous", "-wc-a-----" },
    };

    [Theory]
    [MemberData(nameof(MeasuredAttributes))]
    public async Task Attributes_EachKindOfLv_MatchLvm(string kind, string attributes)
    {
        await using var sim = await SimAsync();
        await sim.CreateVolumeAsync(Lv("linear", 4 * MiB), Ct);
        await sim.CreateVolumeAsync(Lv("striped", 8 * MiB) with { Stripes = 2 }, Ct);
        await sim.CreateVolumeAsync(Lv("origin", 8 * MiB), Ct);
        await sim.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "vg", Origin = "origin", Name = "cow", SizeBytes = 4 * MiB }, Ct);
        await sim.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = "vg", Name = "pool", SizeBytes = 32 * MiB }, Ct);
        await sim.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = "vg", Name = "idle pool".Replace(' ', '-'), SizeBytes = 32 * MiB }, Ct);
        await sim.CreateVolumeAsync(Lv("raid1", 8 * MiB) with { Mirrors = 1 }, Ct);
        await sim.CreateVolumeAsync(Lv("raid1-nosync", 8 * MiB) with { Mirrors = 1, ExtraOptions = ["--nosync"] }, Ct);
        await sim.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "pool", Name = "thin", SizeBytes = 64 * MiB }, Ct);
        await sim.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = "vg", Origin = "thin", Name = "thin-snapshot" }, Ct);
        await sim.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = "vg", Origin = "thin", Name = "thin-snapshot-activated" }, Ct);
        await sim.ActivateVolumeAsync("vg", "thin-snapshot-activated", Ct);
        await sim.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = "vg", Origin = "thin", Name = "thin-snapshot-restored", Activate = true }, Ct);
        await sim.CreateVolumeAsync(Lv("contiguous", 4 * MiB) with { ExtraOptions = ["--alloc", "contiguous"] }, Ct);

        var lv = await sim.GetLogicalVolumeAsync("vg", kind.Replace(' ', '-'), Ct);

        Assert.Equal(attributes, lv!.Attributes);
    }

    [Fact]
    public async Task GetLogicalVolume_ThinAndPool_ReportFieldsAsMeasured()
    {
        await using var sim = await SimAsync();
        await sim.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = "vg", Name = "pool", SizeBytes = 32 * MiB }, Ct);
        await sim.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "pool", Name = "th", SizeBytes = 64 * MiB }, Ct);
        await sim.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = "vg", Origin = "th", Name = "ths" }, Ct);

        var pool = (await sim.GetLogicalVolumeAsync("vg", "pool", Ct))!;
        var thin = (await sim.GetLogicalVolumeAsync("vg", "th", Ct))!;
        var snap = (await sim.GetLogicalVolumeAsync("vg", "ths", Ct))!;

        Assert.Equal((1, 0.0, 10.94), (pool.Stripes, pool.DataPercent, pool.MetadataPercent));
        Assert.Equal("/dev/mapper/vg-pool", pool.DeviceMapperPath);
        Assert.Equal((0, 0.0, (double?)null, "/dev/vg/th"), (thin.Stripes, thin.DataPercent, thin.MetadataPercent, thin.Path));
        Assert.Equal(253, thin.KernelMajor);
        Assert.Null(snap.DataPercent);
        Assert.Null(snap.KernelMinor);
    }

    [Fact]
    public async Task GetLogicalVolume_DashesInNames_AreDoubledInTheMapperPath()
    {
        await using var sim = new LvmSimulator();
        await sim.AddVolumeGroupAsync("my-vg", [GiB]);
        await sim.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "my-vg", Name = "a-b", SizeBytes = MiB }, Ct);

        var lv = await sim.GetLogicalVolumeAsync("my-vg", "a-b", Ct);

        Assert.Equal("/dev/mapper/my--vg-a--b", lv!.DeviceMapperPath);
        Assert.Equal("/dev/my-vg/a-b", lv.Path);
    }

    // ================================================================ messages as measured

    [Fact]
    public async Task CreateVolume_TooBig_SaysWhatLvmSays()
    {
        await using var sim = await SimAsync();

        var ex = await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() => sim.CreateVolumeAsync(Lv("big", 100 * GiB), Ct));

        Assert.Equal("lvm lvcreate failed with exit code 5: Volume group \"vg\" has insufficient free space (510 extents): 25600 required.", ex.Message);
        Assert.Equal(5, ex.ExitCode);
    }

    [Fact]
    public async Task CreateVolume_Raid1WithThreeImagesOnTwoPvs_SaysNineMoreRequired()
    {
        await using var sim = await SimAsync();

        var ex = await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() => sim.CreateVolumeAsync(Lv("r2", 8 * MiB) with { Mirrors = 2 }, Ct));

        Assert.EndsWith("Insufficient suitable allocatable extents for logical volume r2: 9 more required", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateVolume_ThreeStripesOnTwoPvs_SaysStripesMustNotExceedPvs()
    {
        await using var sim = await SimAsync();

        var ex = await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() => sim.CreateVolumeAsync(Lv("s3", 8 * MiB) with { Stripes = 3 }, Ct));

        Assert.Contains("Number of stripes (3) must not exceed number of physical volumes (2)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateVolume_StripesWithoutRoomOnEachPv_FailsThoughTheVgHasRoom()
    {
        await using var sim = await SimAsync(128 * MiB, 128 * MiB);
        await sim.CreateVolumeAsync(Lv("fill", 100 * MiB), Ct);

        var ex = await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() => sim.CreateVolumeAsync(Lv("s", 64 * MiB) with { Stripes = 2 }, Ct));

        Assert.Contains("Insufficient suitable allocatable extents for logical volume s", ex.Message, StringComparison.Ordinal);
        Assert.True((await sim.GetVolumeGroupAsync("vg", Ct))!.FreeBytes >= 64 * MiB);
    }

    [Fact]
    public async Task ExtendVolume_TooBig_SaysHowManyExtentsAreMissing()
    {
        await using var sim = await SimAsync();
        await sim.CreateVolumeAsync(Lv("lin", 24 * MiB), Ct);

        var ex = await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() => sim.ExtendVolumeAsync("vg", "lin", 100 * GiB, Ct));

        Assert.EndsWith("Insufficient free space: 25594 extents needed, but only 504 available", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtendVolume_ActiveOriginOfACowSnapshot_IsInUseUntilDeactivated()
    {
        await using var sim = await SimAsync();
        await sim.CreateVolumeAsync(Lv("origin", 8 * MiB), Ct);
        await sim.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "vg", Origin = "origin", Name = "cow", SizeBytes = 4 * MiB }, Ct);

        var ex = await Assert.ThrowsAsync<LvmInUseException>(() => sim.ExtendVolumeAsync("vg", "origin", 16 * MiB, Ct));
        await sim.DeactivateVolumeAsync("vg", "origin", Ct);
        var grown = await sim.ExtendVolumeAsync("vg", "origin", 16 * MiB, Ct);

        Assert.Contains("resized only while inactive", ex.Message, StringComparison.Ordinal);
        Assert.Equal(16 * MiB, grown.SizeBytes);
        Assert.False((await sim.GetLogicalVolumeAsync("vg", "cow", Ct))!.IsActive);
    }

    [Fact]
    public async Task ExtendVolume_CowSnapshotBeyondItsMaximum_FailsLikeLvmCliWould()
    {
        await using var sim = await SimAsync();
        await sim.CreateVolumeAsync(Lv("origin", 16 * MiB), Ct);
        await sim.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "vg", Origin = "origin", Name = "cow", SizeBytes = GiB }, Ct);

        var ex = await Assert.ThrowsAsync<LvmCommandFailedException>(() => sim.ExtendVolumeAsync("vg", "cow", GiB, Ct));

        Assert.Contains("matches existing size (5 extents)", ex.Message, StringComparison.Ordinal);
    }

    // ================================================================ rules

    [Fact]
    public async Task ChangeTags_SameTagAddedAndRemoved_EndsRemovedAsMeasured()
    {
        await using var sim = await SimAsync();
        await sim.CreateVolumeAsync(Lv("a", MiB), Ct);

        await sim.ChangeTagsAsync("vg", "a", ["t1", "t2"], ["t1"], Ct);

        Assert.Equal(TagSet.From(["t2"]), (await sim.GetLogicalVolumeAsync("vg", "a", Ct))!.Tags);
    }

    [Fact]
    public async Task DeactivateVolume_Origin_TakesItsCowSnapshotsAlongAndActivatingASnapshotBringsBoth()
    {
        await using var sim = await SimAsync();
        await sim.CreateVolumeAsync(Lv("origin", 8 * MiB), Ct);
        await sim.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "vg", Origin = "origin", Name = "cow", SizeBytes = 4 * MiB }, Ct);

        await sim.DeactivateVolumeAsync("vg", "origin", Ct);
        var cowInactive = await sim.GetLogicalVolumeAsync("vg", "cow", Ct);
        await sim.ActivateVolumeAsync("vg", "cow", Ct);

        Assert.Equal("swi---s---", cowInactive!.Attributes);
        Assert.True((await sim.GetLogicalVolumeAsync("vg", "origin", Ct))!.IsActive);
        Assert.True((await sim.GetLogicalVolumeAsync("vg", "cow", Ct))!.IsActive);
    }

    [Fact]
    public async Task DeactivateVolume_PoolWithActiveThinVolumes_DeactivatesOnlyThePoolLv()
    {
        await using var sim = await SimAsync();
        await sim.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = "vg", Name = "pool", SizeBytes = 8 * MiB }, Ct);
        await sim.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "pool", Name = "thin", SizeBytes = 8 * MiB }, Ct);

        await sim.DeactivateVolumeAsync("vg", "pool", Ct);
        var pool = await sim.GetLogicalVolumeAsync("vg", "pool", Ct);
        var thin = await sim.GetLogicalVolumeAsync("vg", "thin", Ct);
        await sim.DeactivateVolumeAsync("vg", "thin", Ct);
        var stopped = await sim.GetLogicalVolumeAsync("vg", "pool", Ct);

        // As LVM 2.03.16 reports it: "twi---tz--", usage still known while a thin volume runs the pool.
        Assert.Equal("twi---tz--", pool!.Attributes);
        Assert.Equal(0, pool.DataPercent);
        Assert.Equal(10.94, pool.MetadataPercent);
        Assert.True(thin!.IsActive);
        Assert.Null(stopped!.DataPercent);
        Assert.Null(stopped.MetadataPercent);
    }

    [Fact]
    public async Task DeactivateVolume_OriginWithAnOpenCowSnapshot_ThrowsInUseNamingTheSnapshot()
    {
        await using var sim = await SimAsync();
        await sim.CreateVolumeAsync(Lv("origin", 8 * MiB), Ct);
        await sim.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "vg", Origin = "origin", Name = "cow", SizeBytes = 4 * MiB }, Ct);
        sim.SetOpen("vg", "cow", true);

        var ex = await Assert.ThrowsAsync<LvmInUseException>(() => sim.DeactivateVolumeAsync("vg", "origin", Ct));

        Assert.Equal("  Logical volume vg/cow in use.\n  LV vg/origin has open 1 snapshot(s), not deactivating.\n", ex.StandardError);
        Assert.True((await sim.GetLogicalVolumeAsync("vg", "origin", Ct))!.IsActive);
    }

    [Fact]
    public async Task CreateThinVolume_PoolAt100Percent_IsRefusedLikeLvm()
    {
        await using var sim = await SimAsync();
        await sim.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = "vg", Name = "pool", SizeBytes = 8 * MiB }, Ct);
        await sim.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "pool", Name = "th1", SizeBytes = 8 * MiB }, Ct);
        sim.SetDataPercent("vg", "pool", 100);

        var thin = await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() =>
            sim.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "pool", Name = "th2", SizeBytes = 8 * MiB }, Ct));
        var snap = await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() =>
            sim.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = "vg", Origin = "th1", Name = "sn3" }, Ct));

        Assert.Contains("Cannot create new thin volume, free space in thin pool vg/pool reached threshold.", thin.Message, StringComparison.Ordinal);
        Assert.Equal(thin.Message, snap.Message);
        Assert.Equal(100.0, (await sim.GetLogicalVolumeAsync("vg", "pool", Ct))!.DataPercent);
    }

    [Theory]
    [InlineData("partial", 'p')]
    [InlineData("refresh needed", 'r')]
    [InlineData("mismatches exist", 'm')]
    public async Task SetHealthStatus_DegradedRaid1_ShowsInHealthStatusAndAttributes(string status, char attribute)
    {
        await using var sim = await SimAsync();
        await sim.CreateVolumeAsync(Lv("r", 8 * MiB) with { Mirrors = 1 }, Ct);

        sim.SetHealthStatus("vg", "r", status);

        var lv = await sim.GetLogicalVolumeAsync("vg", "r", Ct);
        Assert.Equal(status, lv!.HealthStatus);
        Assert.Equal(attribute, lv.Attributes[8]);
    }

    [Fact]
    public async Task SetOpen_Lv_ShowsOpenAndRefusesRemovalAndDeactivation()
    {
        await using var sim = await SimAsync();
        await sim.CreateVolumeAsync(Lv("lin", MiB), Ct);

        sim.SetOpen("vg", "lin", true);

        Assert.True((await sim.GetLogicalVolumeAsync("vg", "lin", Ct))!.IsOpen);
        var remove = await Assert.ThrowsAsync<LvmInUseException>(() => sim.RemoveVolumeAsync("vg", "lin", Ct));
        Assert.EndsWith("Logical volume vg/lin in use.", remove.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<LvmInUseException>(() => sim.DeactivateVolumeAsync("vg", "lin", Ct));
        sim.SetOpen("vg", "lin", false);
        await sim.RemoveVolumeAsync("vg", "lin", Ct);
    }

    [Fact]
    public async Task CreatePhysicalVolume_DeviceWithAFilesystem_IsRefusedNotWiped()
    {
        await using var sim = new LvmSimulator();
        sim.AddDevice("/dev/vdb", GiB, signature: "ext4");

        var ex = await Assert.ThrowsAsync<LvmCommandFailedException>(() => sim.CreatePhysicalVolumeAsync("/dev/vdb", Ct));
        sim.SetDeviceSignature("/dev/vdb", null);
        await sim.CreatePhysicalVolumeAsync("/dev/vdb", Ct);

        Assert.Equal("lvm pvcreate failed with exit code 5: Aborted wiping of ext4. 1 existing signature left on the device.", ex.Message);
        var pv = Assert.Single(await sim.ListPhysicalVolumesAsync(null, Ct));
        Assert.Null(pv.VolumeGroup);
        Assert.Equal("---", pv.Attributes);
    }

    // ================================================================ changes behind Stratum's back

    [Fact]
    public async Task RemoveVolumeGroup_ThenRecreated_HasNewUuidsAndNoLvs()
    {
        await using var sim = await SimAsync();
        var before = await sim.GetVolumeGroupAsync("vg", Ct);
        var lv = await sim.CreateVolumeAsync(Lv("lin", MiB), Ct);
        var devices = (await sim.ListPhysicalVolumesAsync("vg", Ct)).Select(pv => pv.Name).ToList();

        await sim.RemoveVolumeGroupAsync("vg");
        var orphans = await sim.ListPhysicalVolumesAsync(null, Ct);
        await sim.Admin.CreateVolumeGroupAsync("vg", devices, [], Ct);
        var again = await sim.Admin.CreateVolumeAsync(Lv("lin", MiB), Ct);

        Assert.All(orphans, pv => Assert.Null(pv.VolumeGroup));
        Assert.NotEqual(before!.Uuid, (await sim.GetVolumeGroupAsync("vg", Ct))!.Uuid);
        Assert.NotEqual(lv.Uuid, again.Uuid);
    }

    [Fact]
    public async Task ForceRemoveVolume_OriginWithSnapshot_RemovesBoth()
    {
        await using var sim = await SimAsync();
        var free = (await sim.GetVolumeGroupAsync("vg", Ct))!.FreeExtentCount;
        await sim.CreateVolumeAsync(Lv("origin", 8 * MiB), Ct);
        await sim.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "vg", Origin = "origin", Name = "cow", SizeBytes = 4 * MiB }, Ct);

        await sim.ForceRemoveVolumeAsync("vg", "origin");

        Assert.Empty(await sim.ListLogicalVolumesAsync("vg", Ct));
        Assert.Equal(free, (await sim.GetVolumeGroupAsync("vg", Ct))!.FreeExtentCount);
    }

    // ================================================================ thread safety

    [Fact]
    public async Task CreateVolume_ManyInParallel_AllocatesEveryExtentExactlyOnce()
    {
        await using var sim = await SimAsync(128 * MiB, 128 * MiB);
        var free = (await sim.GetVolumeGroupAsync("vg", Ct))!.FreeExtentCount;

        var created = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => sim.CreateVolumeAsync(Lv($"lv{i}", MiB), Ct))));

        Assert.Equal(40, created.Select(lv => lv.Uuid).Distinct().Count());
        Assert.Equal(free - 40, (await sim.GetVolumeGroupAsync("vg", Ct))!.FreeExtentCount);
        Assert.Equal(free - 40, (await sim.ListPhysicalVolumesAsync("vg", Ct)).Sum(pv => pv.FreeBytes) / (4 * MiB));
    }

    [Fact]
    public async Task CreateVolume_SameNameInParallel_ExactlyOneWins()
    {
        await using var sim = await SimAsync();

        var attempts = Enumerable.Range(0, 16).Select(_ => Task.Run(() => sim.CreateVolumeAsync(Lv("same", MiB), Ct))).ToList();
        var outcomes = await Task.WhenAll(attempts.Select(async t =>
        {
            try
            {
                await t;
                return "created";
            }
            catch (LvmAlreadyExistsException)
            {
                return "exists";
            }
        }));

        Assert.Equal(1, outcomes.Count(o => o == "created"));
        Assert.Equal(15, outcomes.Count(o => o == "exists"));
    }
}
