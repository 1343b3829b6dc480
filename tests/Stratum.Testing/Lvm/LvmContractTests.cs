using System.Text.RegularExpressions;
using Stratum.Lvm;

namespace Stratum.Testing.Lvm;

/// <summary>
/// What every <see cref="ILvm"/> must do, written once and run against each implementation: a test
/// project derives from this class and supplies <see cref="CreateTestBedAsync"/> (the simulator
/// natively; <see cref="LvmCli"/> on real disks in the VM). Nothing here knows which implementation
/// runs: expectations come from what the VG reports (extent size, free extents), never from a
/// simulator's internals, so the same suite holds real LVM and the simulator to one standard.
/// </summary>
public abstract partial class LvmContractTests
{
    /// <summary>One MiB.</summary>
    protected const long MiB = 1024 * 1024;

    /// <summary>Size of each PV of the standard two-PV VG.</summary>
    protected const long PvSize = 128 * MiB;

    private const string Owner = "stratum.io/owner";

    /// <summary>Creates an ILvm with fresh VGs as <paramref name="spec"/> asks.</summary>
    protected abstract Task<LvmTestBed> CreateTestBedAsync(LvmTestBedSpec spec, CancellationToken cancellationToken);

    /// <summary>The token every call gets; override to bound slow implementations.</summary>
    protected virtual CancellationToken Ct => CancellationToken.None;

    private Task<LvmTestBed> BedAsync(params long[] pvSizes) =>
        CreateTestBedAsync(new LvmTestBedSpec { PhysicalVolumeSizes = pvSizes.Length == 0 ? [PvSize, PvSize] : pvSizes }, Ct);

    // ================================================================ create, read back, tags

    [Fact]
    public async Task CreateVolume_Linear_ReturnsTheLvAsReported()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);

        var lv = await bed.Lvm.CreateVolumeAsync(Linear(bed, "lin", 2 * e, [Owner, "stratum.io/name=a#2fb"]), Ct);

        Assert.Equal(bed.VolumeGroup, lv.VolumeGroup);
        Assert.Equal("lin", lv.Name);
        Assert.Equal(2 * e, lv.SizeBytes);
        Assert.Equal(TagSet.From([Owner, "stratum.io/name=a#2fb"]), lv.Tags);
        Assert.Equal("linear", lv.SegmentType);
        Assert.Equal(1, lv.Stripes);
        Assert.True(lv.IsActive);
        Assert.NotNull(lv.KernelMajor);
        Assert.NotNull(lv.KernelMinor);
        Assert.EndsWith($"/{bed.VolumeGroup}/lin", lv.Path, StringComparison.Ordinal);
        Assert.Matches(AttributePattern(), lv.Attributes);
        Assert.Equal('-', lv.Attributes[0]);
        Assert.Equal('a', lv.Attributes[4]);
        Assert.Null(lv.Pool);
        Assert.Null(lv.Origin);
        Assert.Null(lv.HealthStatus);
        Assert.False(lv.IsSnapshot);
        Assert.False(lv.IsOpen);
        Assert.False(lv.ActivationSkip);
        Assert.Equal(lv, await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "lin", Ct));
    }

    [Fact]
    public async Task CreateVolume_SameNameAfterRemoval_GetsANewUuidInLvmFormat()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);

        var first = await bed.Lvm.CreateVolumeAsync(Linear(bed, "v", e), Ct);
        await bed.Lvm.RemoveVolumeAsync(bed.VolumeGroup, "v", Ct);
        var second = await bed.Lvm.CreateVolumeAsync(Linear(bed, "v", e), Ct);

        Assert.Matches(UuidPattern(), first.Uuid);
        Assert.Matches(UuidPattern(), second.Uuid);
        Assert.NotEqual(first.Uuid, second.Uuid);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, -1)]
    [InlineData(1, 1)]
    [InlineData(2, 0)]
    [InlineData(2, 513)]
    public async Task CreateVolume_AnySize_RoundsUpToWholeExtents(long extents, long plusBytes)
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        var requested = extents * e + plusBytes;

        var lv = await bed.Lvm.CreateVolumeAsync(Linear(bed, "r", requested), Ct);

        Assert.Equal(RoundUp(requested, e), lv.SizeBytes);
    }

    [Fact]
    public async Task CreateVolume_ExistingName_ThrowsAlreadyExistsAndKeepsTheOriginal()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        var original = await bed.Lvm.CreateVolumeAsync(Linear(bed, "dup", e, ["first"]), Ct);

        await Assert.ThrowsAsync<LvmAlreadyExistsException>(() => bed.Lvm.CreateVolumeAsync(Linear(bed, "dup", 2 * e, ["second"]), Ct));

        Assert.Equal(original, await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "dup", Ct));
    }

    [Fact]
    public async Task CreateVolume_MoreThanTheFreeSpace_ThrowsInsufficientSpaceAndChangesNothing()
    {
        await using var bed = await BedAsync();
        var before = await VgAsync(bed);

        await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() =>
            bed.Lvm.CreateVolumeAsync(Linear(bed, "big", before.FreeBytes + before.ExtentSizeBytes), Ct));

        Assert.Null(await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "big", Ct));
        Assert.Equal(before.FreeExtentCount, (await VgAsync(bed)).FreeExtentCount);
    }

    [Fact]
    public async Task CreateVolume_MissingVolumeGroup_ThrowsNotFound()
    {
        await using var bed = await BedAsync();

        await Assert.ThrowsAsync<LvmNotFoundException>(() =>
            bed.Lvm.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "stratum-contract-nope", Name = "x", SizeBytes = MiB }, Ct));
    }

    [Fact]
    public async Task CreateVolume_Linear_TakesItsExtentsFromTheVolumeGroupAndItsPvs()
    {
        await using var bed = await BedAsync();
        var before = await VgAsync(bed);

        await bed.Lvm.CreateVolumeAsync(Linear(bed, "lin", 3 * before.ExtentSizeBytes), Ct);

        var after = await VgAsync(bed);
        Assert.Equal(before.FreeExtentCount - 3, after.FreeExtentCount);
        Assert.Equal(after.FreeBytes, after.FreeExtentCount * after.ExtentSizeBytes);
        var pvs = await bed.Lvm.ListPhysicalVolumesAsync(bed.VolumeGroup, Ct);
        Assert.Equal(after.FreeBytes, pvs.Sum(pv => pv.FreeBytes));
    }

    [Fact]
    public async Task CreateVolume_LargerThanOnePv_SpansTwoPvs()
    {
        await using var bed = await BedAsync();
        var pvs = await bed.Lvm.ListPhysicalVolumesAsync(bed.VolumeGroup, Ct);
        var e = await ExtentAsync(bed);

        var lv = await bed.Lvm.CreateVolumeAsync(Linear(bed, "span", pvs[0].FreeBytes + e), Ct);

        Assert.Equal(pvs[0].FreeBytes + e, lv.SizeBytes);
        Assert.All(await bed.Lvm.ListPhysicalVolumesAsync(bed.VolumeGroup, Ct), pv => Assert.True(pv.FreeBytes < pv.SizeBytes, pv.Name));
    }

    // ================================================================ VGs, PVs and lookups

    [Fact]
    public async Task GetVolumeGroup_Fresh_ReportsSizesThatAddUp()
    {
        await using var bed = await BedAsync();

        var vg = await VgAsync(bed);
        var pvs = await bed.Lvm.ListPhysicalVolumesAsync(bed.VolumeGroup, Ct);

        Assert.Equal(bed.VolumeGroup, vg.Name);
        Assert.Matches(UuidPattern(), vg.Uuid);
        Assert.Equal(vg.ExtentCount * vg.ExtentSizeBytes, vg.SizeBytes);
        Assert.Equal(vg.ExtentCount, vg.FreeExtentCount);
        Assert.Equal(2, vg.PhysicalVolumeCount);
        Assert.Equal(0, vg.LogicalVolumeCount);
        Assert.Equal(2, pvs.Length);
        Assert.All(pvs, pv => Assert.Equal(bed.VolumeGroup, pv.VolumeGroup));
        Assert.All(pvs, pv => Assert.True(pv.SizeBytes <= pv.DeviceSizeBytes, pv.Name));
        Assert.Equal(vg.SizeBytes, pvs.Sum(pv => pv.SizeBytes));
        Assert.Contains(await bed.Lvm.ListVolumeGroupsAsync(Ct), v => v.Name == bed.VolumeGroup);
    }

    [Fact]
    public async Task GetVolumeGroup_Missing_ReturnsNull()
    {
        await using var bed = await BedAsync();

        Assert.Null(await bed.Lvm.GetVolumeGroupAsync("stratum-contract-nope", Ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetLogicalVolume_Missing_ReturnsNull(bool missingVolumeGroup)
    {
        await using var bed = await BedAsync();

        Assert.Null(await bed.Lvm.GetLogicalVolumeAsync(missingVolumeGroup ? "stratum-contract-nope" : bed.VolumeGroup, "nope", Ct));
    }

    [Fact]
    public async Task ListLogicalVolumes_MissingVolumeGroup_ThrowsNotFound()
    {
        await using var bed = await BedAsync();

        await Assert.ThrowsAsync<LvmNotFoundException>(() => bed.Lvm.ListLogicalVolumesAsync("stratum-contract-nope", Ct));
    }

    [Fact]
    public async Task ListLogicalVolumesAndReport_WithAThinPool_ListOnlyVisibleLvs()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "lin", e), Ct);
        await bed.Lvm.CreateThinPoolAsync(Pool(bed, "pool", 2 * e), Ct);
        await bed.Lvm.CreateThinVolumeAsync(Thin(bed, "pool", "thin", 4 * e), Ct);

        var lvs = await bed.Lvm.ListLogicalVolumesAsync(bed.VolumeGroup, Ct);
        var report = await bed.Lvm.ReportAsync(bed.VolumeGroup, null, Ct); // the node's periodic report, which feeds status

        Assert.Equal(["lin", "pool", "thin"], lvs.Select(lv => lv.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["lin", "pool", "thin"], report.LogicalVolumes.Select(lv => lv.Name).Order(StringComparer.Ordinal));
        Assert.Equal(3, (await VgAsync(bed)).LogicalVolumeCount);
    }

    [Fact]
    public async Task FindLogicalVolumesByTag_TaggedLvsInTwoVgs_FindsBothAndOnlyThem()
    {
        await using var bed = await CreateTestBedAsync(new LvmTestBedSpec { PhysicalVolumeSizes = [PvSize], SecondVolumeGroupSizes = [PvSize] }, Ct);
        var second = bed.SecondVolumeGroup ?? throw new InvalidOperationException("the factory made no second VG");
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "a", e, [Owner]), Ct);
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "untagged", e), Ct);
        await bed.Lvm.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = second, Name = "b", SizeBytes = e, Tags = [Owner, "other"] }, Ct);

        var found = await bed.Lvm.FindLogicalVolumesByTagAsync(Owner, Ct);

        Assert.Equal([$"{bed.VolumeGroup}/a", $"{second}/b"], found.Select(lv => lv.FullName).Order(StringComparer.Ordinal));
        Assert.Empty(await bed.Lvm.FindLogicalVolumesByTagAsync("stratum.io/nobody-has-this", Ct));
    }

    [Fact]
    public async Task ChangeTags_AddAndRemove_AppliesBoth()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "t", e, ["a", "b"]), Ct);

        await bed.Lvm.ChangeTagsAsync(bed.VolumeGroup, "t", ["c", "d=1"], ["a", "not-there"], Ct);

        var lv = await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "t", Ct);
        Assert.Equal(TagSet.From(["b", "c", "d=1"]), lv!.Tags);
        Assert.Equal(["t"], (await bed.Lvm.FindLogicalVolumesByTagAsync("d=1", Ct)).Select(l => l.Name));
        Assert.Empty(await bed.Lvm.FindLogicalVolumesByTagAsync("a", Ct));
    }

    [Fact]
    public async Task ChangeTags_MissingLv_ThrowsNotFound()
    {
        await using var bed = await BedAsync();

        await Assert.ThrowsAsync<LvmNotFoundException>(() => bed.Lvm.ChangeTagsAsync(bed.VolumeGroup, "nope", ["x"], [], Ct));
    }

    // ================================================================ remove

    [Fact]
    public async Task RemoveVolume_Existing_RemovesItAndFreesItsExtents()
    {
        await using var bed = await BedAsync();
        var before = await VgAsync(bed);
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "gone", 2 * before.ExtentSizeBytes), Ct);

        await bed.Lvm.RemoveVolumeAsync(bed.VolumeGroup, "gone", Ct);

        Assert.Null(await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "gone", Ct));
        Assert.Equal(before.FreeExtentCount, (await VgAsync(bed)).FreeExtentCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RemoveVolume_Missing_ThrowsNotFound(bool missingVolumeGroup)
    {
        await using var bed = await BedAsync();

        await Assert.ThrowsAsync<LvmNotFoundException>(() =>
            bed.Lvm.RemoveVolumeAsync(missingVolumeGroup ? "stratum-contract-nope" : bed.VolumeGroup, "nope", Ct));
    }

    [Fact]
    public async Task RemoveVolume_OriginWithCowSnapshot_ThrowsInUseAndKeepsBoth()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "origin", 2 * e), Ct);
        await bed.Lvm.CreateSnapshotAsync(Cow(bed, "origin", "snap", e), Ct);

        await Assert.ThrowsAsync<LvmInUseException>(() => bed.Lvm.RemoveVolumeAsync(bed.VolumeGroup, "origin", Ct));

        Assert.NotNull(await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "origin", Ct));
        Assert.NotNull(await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "snap", Ct));
    }

    [Fact]
    public async Task RemoveVolume_CowSnapshotThenOrigin_RemovesBoth()
    {
        await using var bed = await BedAsync();
        var before = await VgAsync(bed);
        var e = before.ExtentSizeBytes;
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "origin", 2 * e), Ct);
        await bed.Lvm.CreateSnapshotAsync(Cow(bed, "origin", "snap", e), Ct);

        await bed.Lvm.RemoveVolumeAsync(bed.VolumeGroup, "snap", Ct);
        var origin = await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "origin", Ct);
        await bed.Lvm.RemoveVolumeAsync(bed.VolumeGroup, "origin", Ct);

        Assert.Equal('-', origin!.Attributes[0]);
        Assert.Empty(await bed.Lvm.ListLogicalVolumesAsync(bed.VolumeGroup, Ct));
        Assert.Equal(before.FreeExtentCount, (await VgAsync(bed)).FreeExtentCount);
    }

    [Fact]
    public async Task RemoveVolume_PoolWithThinVolumes_ThrowsInUseAndKeepsThem()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateThinPoolAsync(Pool(bed, "pool", 2 * e), Ct);
        await bed.Lvm.CreateThinVolumeAsync(Thin(bed, "pool", "thin", e), Ct);

        await Assert.ThrowsAsync<LvmInUseException>(() => bed.Lvm.RemoveVolumeAsync(bed.VolumeGroup, "pool", Ct));

        Assert.NotNull(await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "thin", Ct));
    }

    [Fact]
    public async Task RemoveVolume_ThinOriginOfAThinSnapshot_KeepsTheSnapshotWithoutOrigin()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateThinPoolAsync(Pool(bed, "pool", 2 * e), Ct);
        await bed.Lvm.CreateThinVolumeAsync(Thin(bed, "pool", "thin", e), Ct);
        await bed.Lvm.CreateThinSnapshotAsync(ThinSnap(bed, "thin", "snap"), Ct);

        await bed.Lvm.RemoveVolumeAsync(bed.VolumeGroup, "thin", Ct);

        var snap = await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "snap", Ct);
        Assert.NotNull(snap);
        Assert.Null(snap.Origin);
        Assert.Equal("pool", snap.Pool);
    }

    // ================================================================ extend

    [Fact]
    public async Task ExtendVolume_Larger_GrowsToWholeExtents()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "grow", 2 * e), Ct);

        var lv = await bed.Lvm.ExtendVolumeAsync(bed.VolumeGroup, "grow", (3 * e) + 1, Ct);

        Assert.Equal(4 * e, lv.SizeBytes);
        Assert.Equal(lv, await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "grow", Ct));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, -1)]
    [InlineData(-1, 0)]
    [InlineData(-2, 1)]
    public async Task ExtendVolume_NotLarger_IsANoOpReturningTheLv(long extents, long plusBytes)
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        var created = await bed.Lvm.CreateVolumeAsync(Linear(bed, "same", 3 * e), Ct);

        var lv = await bed.Lvm.ExtendVolumeAsync(bed.VolumeGroup, "same", ((3 + extents) * e) + plusBytes, Ct);

        Assert.Equal(created, lv);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExtendVolume_Missing_ThrowsNotFound(bool missingVolumeGroup)
    {
        await using var bed = await BedAsync();

        await Assert.ThrowsAsync<LvmNotFoundException>(() =>
            bed.Lvm.ExtendVolumeAsync(missingVolumeGroup ? "stratum-contract-nope" : bed.VolumeGroup, "nope", MiB, Ct));
    }

    [Fact]
    public async Task ExtendVolume_BeyondTheFreeSpace_ThrowsInsufficientSpaceAndKeepsTheSize()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        var created = await bed.Lvm.CreateVolumeAsync(Linear(bed, "grow", e), Ct);
        var vg = await VgAsync(bed);

        await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() =>
            bed.Lvm.ExtendVolumeAsync(bed.VolumeGroup, "grow", created.SizeBytes + vg.FreeBytes + e, Ct));

        Assert.Equal(created.SizeBytes, (await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "grow", Ct))!.SizeBytes);
    }

    [Fact]
    public async Task ExtendVolume_ActiveOriginOfACowSnapshot_ThrowsInUseAndKeepsTheSize()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "origin", 2 * e), Ct);
        await bed.Lvm.CreateSnapshotAsync(Cow(bed, "origin", "snap", e), Ct);

        // LVM 2.03.16: "Snapshot origin volumes can be resized only while inactive: try lvchange -an."
        await Assert.ThrowsAsync<LvmInUseException>(() => bed.Lvm.ExtendVolumeAsync(bed.VolumeGroup, "origin", 3 * e, Ct));

        Assert.Equal(2 * e, (await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "origin", Ct))!.SizeBytes);
    }

    [Fact]
    public async Task ExtendVolume_ThinVolume_GrowsWithoutVgSpace()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateThinPoolAsync(Pool(bed, "pool", 2 * e), Ct);
        await bed.Lvm.CreateThinVolumeAsync(Thin(bed, "pool", "thin", e), Ct);
        var before = await VgAsync(bed);

        var lv = await bed.Lvm.ExtendVolumeAsync(bed.VolumeGroup, "thin", before.SizeBytes * 2, Ct);

        Assert.Equal(RoundUp(before.SizeBytes * 2, e), lv.SizeBytes);
        Assert.Equal(before.FreeExtentCount, (await VgAsync(bed)).FreeExtentCount);
    }

    // ================================================================ thin provisioning

    [Fact]
    public async Task CreateThinPool_Always_IsActiveWithoutPathAndReservesMetadataSpace()
    {
        await using var bed = await BedAsync();
        var before = await VgAsync(bed);

        var pool = await bed.Lvm.CreateThinPoolAsync(Pool(bed, "pool", 4 * before.ExtentSizeBytes, [Owner]), Ct);

        Assert.True(pool.IsThinPool);
        Assert.Equal("thin-pool", pool.SegmentType);
        Assert.Equal(4 * before.ExtentSizeBytes, pool.SizeBytes);
        Assert.Null(pool.Path);
        Assert.True(pool.IsActive);
        Assert.Equal('t', pool.Attributes[0]);
        Assert.NotNull(pool.DataPercent);
        Assert.NotNull(pool.MetadataPercent);
        Assert.Equal(TagSet.From([Owner]), pool.Tags);
        Assert.True((await VgAsync(bed)).FreeExtentCount < before.FreeExtentCount - 4, "the pool's metadata takes extents too");
    }

    [Fact]
    public async Task CreateThinVolume_LargerThanThePool_OvercommitsWithoutVgSpace()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateThinPoolAsync(Pool(bed, "pool", 2 * e), Ct);
        var before = await VgAsync(bed);

        var thin = await bed.Lvm.CreateThinVolumeAsync(Thin(bed, "pool", "thin", before.SizeBytes + 1, [Owner]), Ct);

        Assert.True(thin.IsThinVolume);
        Assert.Equal("pool", thin.Pool);
        Assert.Equal(0, thin.Stripes);
        Assert.Equal(RoundUp(before.SizeBytes + 1, e), thin.SizeBytes);
        Assert.True(thin.IsActive);
        Assert.False(thin.ActivationSkip);
        Assert.Null(thin.Origin);
        Assert.Equal('V', thin.Attributes[0]);
        Assert.EndsWith($"/{bed.VolumeGroup}/thin", thin.Path, StringComparison.Ordinal);
        Assert.Equal(before.FreeExtentCount, (await VgAsync(bed)).FreeExtentCount);
        Assert.Equal(thin, await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "thin", Ct));
    }

    [Fact]
    public async Task CreateThinVolume_MissingPool_ThrowsNotFound()
    {
        await using var bed = await BedAsync();

        await Assert.ThrowsAsync<LvmNotFoundException>(() => bed.Lvm.CreateThinVolumeAsync(Thin(bed, "nopool", "thin", MiB), Ct));
    }

    [Fact]
    public async Task CreateThinSnapshot_Default_IsInactiveWithActivationSkip()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateThinPoolAsync(Pool(bed, "pool", 2 * e), Ct);
        var origin = await bed.Lvm.CreateThinVolumeAsync(Thin(bed, "pool", "thin", 3 * e), Ct);

        var snap = await bed.Lvm.CreateThinSnapshotAsync(ThinSnap(bed, "thin", "snap", [Owner]), Ct);

        Assert.True(snap.IsSnapshot);
        Assert.True(snap.IsThinVolume);
        Assert.Equal("thin", snap.Origin);
        Assert.Equal("pool", snap.Pool);
        Assert.Equal(origin.SizeBytes, snap.SizeBytes);
        Assert.False(snap.IsActive);
        Assert.True(snap.ActivationSkip);
        Assert.Null(snap.KernelMajor);
        Assert.Equal(TagSet.From([Owner]), snap.Tags);
        Assert.NotEqual(origin.Uuid, snap.Uuid);
    }

    [Fact]
    public async Task CreateThinSnapshot_Activate_IsActiveWithoutActivationSkip()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateThinPoolAsync(Pool(bed, "pool", 2 * e), Ct);
        await bed.Lvm.CreateThinVolumeAsync(Thin(bed, "pool", "thin", e), Ct);

        var snap = await bed.Lvm.CreateThinSnapshotAsync(ThinSnap(bed, "thin", "restored") with { Activate = true }, Ct);

        Assert.True(snap.IsActive);
        Assert.False(snap.ActivationSkip);
        Assert.NotNull(snap.KernelMajor);
        Assert.Equal("thin", snap.Origin);
    }

    [Fact]
    public async Task CreateThinSnapshot_OfALinearLv_ThrowsInvalidArgument()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "lin", e), Ct);

        // LVM 2.03.16 takes a size-less snapshot of a thick LV for a thick one with no size given:
        // "Please specify either size or extents with snapshots." (exit 5).
        await Assert.ThrowsAsync<LvmInvalidArgumentException>(() => bed.Lvm.CreateThinSnapshotAsync(ThinSnap(bed, "lin", "snap"), Ct));

        Assert.Equal(["lin"], (await bed.Lvm.ListLogicalVolumesAsync(bed.VolumeGroup, Ct)).Select(lv => lv.Name));
    }

    [Fact]
    public async Task CreateThinSnapshot_MissingOrigin_ThrowsNotFound()
    {
        await using var bed = await BedAsync();

        await Assert.ThrowsAsync<LvmNotFoundException>(() => bed.Lvm.CreateThinSnapshotAsync(ThinSnap(bed, "nope", "snap"), Ct));
    }

    // ================================================================ COW snapshots

    [Fact]
    public async Task CreateSnapshot_OfALinearLv_IsAnActiveCowSnapshotOfTheOrigin()
    {
        await using var bed = await BedAsync();
        var before = await VgAsync(bed);
        var e = before.ExtentSizeBytes;
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "origin", 4 * e), Ct);

        var snap = await bed.Lvm.CreateSnapshotAsync(Cow(bed, "origin", "snap", e, [Owner]), Ct);

        Assert.True(snap.IsSnapshot);
        Assert.False(snap.IsThinVolume);
        Assert.Equal("origin", snap.Origin);
        Assert.Equal(e, snap.SizeBytes);
        Assert.True(snap.IsActive);
        Assert.Equal('s', snap.Attributes[0]);
        Assert.Equal(TagSet.From([Owner]), snap.Tags);
        Assert.Equal('o', (await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "origin", Ct))!.Attributes[0]);
        Assert.Equal(before.FreeExtentCount - 5, (await VgAsync(bed)).FreeExtentCount);
    }

    [Fact]
    public async Task CreateSnapshot_LargerThanTheOriginCanNeed_IsCappedJustAboveTheOriginSize()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "origin", 2 * e), Ct);

        var snap = await bed.Lvm.CreateSnapshotAsync(Cow(bed, "origin", "snap", 10 * e), Ct);

        Assert.InRange(snap.SizeBytes, 2 * e, 4 * e);
    }

    [Fact]
    public async Task CreateSnapshot_MissingOrigin_ThrowsNotFound()
    {
        await using var bed = await BedAsync();

        await Assert.ThrowsAsync<LvmNotFoundException>(() => bed.Lvm.CreateSnapshotAsync(Cow(bed, "nope", "snap", MiB), Ct));
    }

    // ================================================================ activation

    [Fact]
    public async Task DeactivateVolume_ThenActivate_TogglesTheDevice()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "lin", e), Ct);

        await bed.Lvm.DeactivateVolumeAsync(bed.VolumeGroup, "lin", Ct);
        var inactive = await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "lin", Ct);
        await bed.Lvm.ActivateVolumeAsync(bed.VolumeGroup, "lin", Ct);
        var active = await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "lin", Ct);

        Assert.False(inactive!.IsActive);
        Assert.Null(inactive.KernelMajor);
        Assert.Equal('-', inactive.Attributes[4]);
        Assert.True(active!.IsActive);
        Assert.NotNull(active.KernelMajor);
        Assert.Equal('a', active.Attributes[4]);
    }

    [Fact]
    public async Task ActivateVolume_ActivationSkipSet_ActivatesAndKeepsTheFlag()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateThinPoolAsync(Pool(bed, "pool", 2 * e), Ct);
        await bed.Lvm.CreateThinVolumeAsync(Thin(bed, "pool", "thin", e), Ct);
        await bed.Lvm.CreateThinSnapshotAsync(ThinSnap(bed, "thin", "snap"), Ct);

        await bed.Lvm.ActivateVolumeAsync(bed.VolumeGroup, "snap", Ct);
        var active = await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "snap", Ct);
        await bed.Lvm.DeactivateVolumeAsync(bed.VolumeGroup, "snap", Ct);
        var inactive = await bed.Lvm.GetLogicalVolumeAsync(bed.VolumeGroup, "snap", Ct);

        Assert.True(active!.IsActive);
        Assert.True(active.ActivationSkip);
        Assert.False(inactive!.IsActive);
        Assert.True(inactive.ActivationSkip);
    }

    [Fact]
    public async Task ActivateVolumeGroup_AfterDeactivation_ActivatesAllButSkippedLvs()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "lin", e), Ct);
        await bed.Lvm.CreateThinPoolAsync(Pool(bed, "pool", 2 * e), Ct);
        await bed.Lvm.CreateThinVolumeAsync(Thin(bed, "pool", "thin", e), Ct);
        await bed.Lvm.CreateThinSnapshotAsync(ThinSnap(bed, "thin", "snap"), Ct);
        await bed.Lvm.DeactivateVolumeAsync(bed.VolumeGroup, "lin", Ct);
        await bed.Lvm.DeactivateVolumeAsync(bed.VolumeGroup, "thin", Ct);

        await bed.Lvm.ActivateVolumeGroupAsync(bed.VolumeGroup, Ct);

        var lvs = (await bed.Lvm.ListLogicalVolumesAsync(bed.VolumeGroup, Ct)).ToDictionary(lv => lv.Name);
        Assert.True(lvs["lin"].IsActive);
        Assert.True(lvs["thin"].IsActive);
        Assert.True(lvs["pool"].IsActive);
        Assert.False(lvs["snap"].IsActive);
    }

    /// <remarks>
    /// Measured on LVM 2.03.16: the pool LV's own activation is separate from the pool running under
    /// its active thin volumes. Deactivating the pool LV succeeds while a thin volume is active (which
    /// stays active, and the pool keeps reporting its usage); activating a thin volume does not
    /// activate the pool LV.
    /// </remarks>
    [Fact]
    public async Task ChangeActivation_ThinPoolAndItsThinVolume_ThePoolLvIsOnlyActivatedOnItsOwn()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        await bed.Lvm.CreateThinPoolAsync(Pool(bed, "pool", 2 * e), Ct);
        await bed.Lvm.CreateThinVolumeAsync(Thin(bed, "pool", "thin", e), Ct);

        await bed.Lvm.DeactivateVolumeAsync(bed.VolumeGroup, "pool", Ct);
        var lvs = (await bed.Lvm.ListLogicalVolumesAsync(bed.VolumeGroup, Ct)).ToDictionary(lv => lv.Name);
        await bed.Lvm.DeactivateVolumeAsync(bed.VolumeGroup, "thin", Ct);
        await bed.Lvm.ActivateVolumeAsync(bed.VolumeGroup, "thin", Ct);
        var afterThinActivation = (await bed.Lvm.ListLogicalVolumesAsync(bed.VolumeGroup, Ct)).ToDictionary(lv => lv.Name);

        Assert.False(lvs["pool"].IsActive);
        Assert.Equal('-', lvs["pool"].Attributes[4]);
        Assert.NotNull(lvs["pool"].DataPercent);
        Assert.True(lvs["thin"].IsActive);
        Assert.False(afterThinActivation["pool"].IsActive);
        Assert.NotNull(afterThinActivation["pool"].DataPercent);
        Assert.True(afterThinActivation["thin"].IsActive);
    }

    [Fact]
    public async Task ActivateVolumeGroup_Missing_ThrowsNotFound()
    {
        await using var bed = await BedAsync();

        await Assert.ThrowsAsync<LvmNotFoundException>(() => bed.Lvm.ActivateVolumeGroupAsync("stratum-contract-nope", Ct));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public async Task ChangeActivation_Missing_ThrowsNotFound(bool activate, bool missingVolumeGroup)
    {
        await using var bed = await BedAsync();
        var vg = missingVolumeGroup ? "stratum-contract-nope" : bed.VolumeGroup;

        await Assert.ThrowsAsync<LvmNotFoundException>(() => activate
            ? bed.Lvm.ActivateVolumeAsync(vg, "nope", Ct)
            : bed.Lvm.DeactivateVolumeAsync(vg, "nope", Ct));
    }

    // ================================================================ striped and raid1

    [Fact]
    public async Task CreateVolume_TwoStripes_SplitsEvenlyOverBothPvs()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);
        var before = await bed.Lvm.ListPhysicalVolumesAsync(bed.VolumeGroup, Ct);

        var lv = await bed.Lvm.CreateVolumeAsync(Linear(bed, "striped", 3 * e) with { Stripes = 2, StripeSizeBytes = 64 * 1024 }, Ct);

        Assert.Equal("striped", lv.SegmentType);
        Assert.Equal(2, lv.Stripes);
        Assert.Equal(4 * e, lv.SizeBytes);
        var after = await bed.Lvm.ListPhysicalVolumesAsync(bed.VolumeGroup, Ct);
        Assert.All(after, pv => Assert.Equal(before.Single(b => b.Name == pv.Name).FreeBytes - (2 * e), pv.FreeBytes));
    }

    [Fact]
    public async Task CreateVolume_MoreStripesThanPvs_ThrowsInsufficientSpace()
    {
        await using var bed = await BedAsync();

        await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() =>
            bed.Lvm.CreateVolumeAsync(Linear(bed, "striped", 8 * MiB) with { Stripes = 3 }, Ct));

        Assert.Empty(await bed.Lvm.ListLogicalVolumesAsync(bed.VolumeGroup, Ct));
    }

    [Fact]
    public async Task CreateVolume_Raid1_HasTwoImagesEachWithAMetadataExtent()
    {
        await using var bed = await BedAsync();
        var before = await VgAsync(bed);
        var e = before.ExtentSizeBytes;

        var lv = await bed.Lvm.CreateVolumeAsync(Linear(bed, "mirror", 2 * e) with { Mirrors = 1 }, Ct);

        Assert.Equal("raid1", lv.SegmentType);
        Assert.Equal(2, lv.Stripes);
        Assert.Equal(2 * e, lv.SizeBytes);
        Assert.Contains(lv.Attributes[0], "rR");
        Assert.Equal('r', lv.Attributes[6]);
        Assert.Null(lv.HealthStatus);
        Assert.Equal(before.FreeExtentCount - (2 * (2 + 1)), (await VgAsync(bed)).FreeExtentCount);
    }

    [Fact]
    public async Task CreateVolume_Raid1WithMoreImagesThanPvs_ThrowsInsufficientSpace()
    {
        await using var bed = await BedAsync();
        var e = await ExtentAsync(bed);

        await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() =>
            bed.Lvm.CreateVolumeAsync(Linear(bed, "mirror", 2 * e) with { Mirrors = 2 }, Ct));

        Assert.Empty(await bed.Lvm.ListLogicalVolumesAsync(bed.VolumeGroup, Ct));
    }

    // ================================================================ PVs and VGs

    [Fact]
    public async Task ExtendVolumeGroup_SpareDevice_AddsItsExtents()
    {
        await using var bed = await CreateTestBedAsync(new LvmTestBedSpec { PhysicalVolumeSizes = [PvSize], SpareDeviceSizes = [PvSize] }, Ct);
        var spare = Assert.Single(bed.SpareDevices);
        var before = await VgAsync(bed);

        await bed.Lvm.ExtendVolumeGroupAsync(bed.VolumeGroup, [spare], Ct);

        var after = await VgAsync(bed);
        Assert.Equal(2, after.PhysicalVolumeCount);
        Assert.True(after.FreeExtentCount > before.FreeExtentCount);
        Assert.Contains(await bed.Lvm.ListPhysicalVolumesAsync(bed.VolumeGroup, Ct), pv => pv.Name == spare);
    }

    [Fact]
    public async Task ExtendVolumeGroup_DeviceAlreadyInTheVg_ThrowsAlreadyExists()
    {
        await using var bed = await BedAsync();
        var pv = (await bed.Lvm.ListPhysicalVolumesAsync(bed.VolumeGroup, Ct))[0];

        await Assert.ThrowsAsync<LvmAlreadyExistsException>(() => bed.Lvm.ExtendVolumeGroupAsync(bed.VolumeGroup, [pv.Name], Ct));
    }

    [Fact]
    public async Task CreateVolumeGroup_ExistingName_ThrowsAlreadyExists()
    {
        await using var bed = await CreateTestBedAsync(new LvmTestBedSpec { PhysicalVolumeSizes = [PvSize], SpareDeviceSizes = [PvSize] }, Ct);

        await Assert.ThrowsAsync<LvmAlreadyExistsException>(() =>
            bed.Lvm.CreateVolumeGroupAsync(bed.VolumeGroup, [bed.SpareDevices[0]], [], Ct));

        // LVM refuses the name (exit 3) before it initialises any device.
        Assert.DoesNotContain(await bed.Lvm.ListPhysicalVolumesAsync(null, Ct), pv => pv.Name == bed.SpareDevices[0]);
    }

    [Fact]
    public async Task CreatePhysicalVolume_SpareDeviceTwice_IsAnOrphanPvOfTheWholeDevice()
    {
        await using var bed = await CreateTestBedAsync(new LvmTestBedSpec { PhysicalVolumeSizes = [PvSize], SpareDeviceSizes = [PvSize] }, Ct);
        var spare = bed.SpareDevices[0];

        await bed.Lvm.CreatePhysicalVolumeAsync(spare, Ct);
        await bed.Lvm.CreatePhysicalVolumeAsync(spare, Ct); // LVM 2.03.16 accepts an orphan PV again

        var pv = Assert.Single(await bed.Lvm.ListPhysicalVolumesAsync(null, Ct), p => p.Name == spare);
        Assert.Null(pv.VolumeGroup);
        Assert.Equal(pv.DeviceSizeBytes, pv.SizeBytes);
        Assert.Equal(pv.SizeBytes, pv.FreeBytes);
        Assert.DoesNotContain(await bed.Lvm.ListPhysicalVolumesAsync(bed.VolumeGroup, Ct), p => p.Name == spare);
    }

    [Fact]
    public async Task CreatePhysicalVolume_MissingDevice_ThrowsNotFound()
    {
        await using var bed = await BedAsync();

        await Assert.ThrowsAsync<LvmNotFoundException>(() => bed.Lvm.CreatePhysicalVolumeAsync("/dev/stratum-contract-no-such-device", Ct));
    }

    // ================================================================ validation gate

    /// <summary>Calls every implementation must refuse before running anything.</summary>
    public static TheoryData<string> InvalidCalls => [.. InvalidCallTable.Keys.Order(StringComparer.Ordinal)];

    /// <summary>
    /// The invalid calls by name: each gets the ILvm and the VG (holding one LV, <c>keep</c>) and
    /// must throw <see cref="LvmValidationException"/> before touching LVM.
    /// </summary>
    public static IReadOnlyDictionary<string, Func<ILvm, string, CancellationToken, Task>> InvalidCallsByName => InvalidCallTable;

    /// <remarks>
    /// All the calls share one bed: each must change nothing, so together they must change nothing
    /// either, and a bed per call costs about 6 LVM commands (some 2.5 minutes for the table) on the
    /// real-LVM testbed. The simulator's parity tests run them one by one.
    /// </remarks>
    [Fact]
    public async Task AnyOperation_InvalidArgument_ThrowsValidationAndChangesNothing()
    {
        await using var bed = await BedAsync();
        await bed.Lvm.CreateVolumeAsync(Linear(bed, "keep", MiB, ["a"]), Ct);
        var before = await bed.Lvm.ListLogicalVolumesAsync(bed.VolumeGroup, Ct);
        var vgBefore = await VgAsync(bed);

        var wrong = new List<string>();
        foreach (var (name, call) in InvalidCallTable.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            try
            {
                await call(bed.Lvm, bed.VolumeGroup, Ct);
                wrong.Add($"{name}: returned without an exception");
            }
            catch (Exception e) when (e.GetType() != typeof(LvmValidationException))
            {
                wrong.Add($"{name}: {e.GetType().Name}: {e.Message}");
            }
            catch (LvmValidationException)
            {
                // As it must.
            }
        }

        Assert.Empty(wrong);
        var after = await bed.Lvm.ListLogicalVolumesAsync(bed.VolumeGroup, Ct);
        Assert.Equal(before.ToArray(), after.ToArray()); // ImmutableArray's own Equals compares array references
        Assert.Equal(vgBefore, await VgAsync(bed));
    }

    private static readonly Dictionary<string, Func<ILvm, string, CancellationToken, Task>> InvalidCallTable = new(StringComparer.Ordinal)
    {
        ["create: VG name with a slash"] = (l, vg, ct) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "a/b", Name = "x", SizeBytes = MiB }, ct),
        ["create: LV name with a space"] = (l, vg, ct) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = "x y", SizeBytes = MiB }, ct),
        ["create: reserved LV prefix"] = (l, vg, ct) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = "snapshot1", SizeBytes = MiB }, ct),
        ["create: reserved LV suffix"] = (l, vg, ct) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = "x_tmeta", SizeBytes = MiB }, ct),
        ["create: vg/lv too long"] = (l, vg, ct) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = new string('n', 127), SizeBytes = MiB }, ct),
        ["create: zero size"] = (l, vg, ct) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = "x", SizeBytes = 0 }, ct),
        ["create: negative size"] = (l, vg, ct) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = "x", SizeBytes = -1 }, ct),
        ["create: tag with a space"] = (l, vg, ct) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = "x", SizeBytes = MiB, Tags = ["a b"] }, ct),
        ["create: forbidden extra option"] = (l, vg, ct) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = "x", SizeBytes = MiB, ExtraOptions = ["--yes"] }, ct),
        ["create: mirrors with stripes"] = (l, vg, ct) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = "x", SizeBytes = MiB, Mirrors = 1, Stripes = 2 }, ct),
        ["create: stripe size not a power of two"] = (l, vg, ct) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = "x", SizeBytes = MiB, Stripes = 2, StripeSizeBytes = 5000 }, ct),
        ["thin pool: bad chunk size option"] = (l, vg, ct) => l.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = vg, Name = "p", SizeBytes = MiB, ExtraOptions = ["--chunksize", "lots"] }, ct),
        ["thin: bad pool name"] = (l, vg, ct) => l.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = vg, Pool = "-p", Name = "t", SizeBytes = MiB }, ct),
        ["thin snapshot: bad origin name"] = (l, vg, ct) => l.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = vg, Origin = "a;b", Name = "s" }, ct),
        ["snapshot: zero size"] = (l, vg, ct) => l.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = vg, Origin = "keep", Name = "s", SizeBytes = 0 }, ct),
        ["extend: zero size"] = (l, vg, ct) => l.ExtendVolumeAsync(vg, "keep", 0, ct),
        ["remove: bad LV name"] = (l, vg, ct) => l.RemoveVolumeAsync(vg, "..", ct),
        ["tags: nothing to change"] = (l, vg, ct) => l.ChangeTagsAsync(vg, "keep", [], [], ct),
        ["tags: tag starting with a dash"] = (l, vg, ct) => l.ChangeTagsAsync(vg, "keep", ["-x"], [], ct),
        ["tags: removing an invalid tag"] = (l, vg, ct) => l.ChangeTagsAsync(vg, "keep", [], ["a@b"], ct),
        ["find: invalid tag"] = (l, vg, ct) => l.FindLogicalVolumesByTagAsync("a b", ct),
        ["get: bad VG name"] = (l, vg, ct) => l.GetLogicalVolumeAsync("-vg", "keep", ct),
        ["activate: bad LV name"] = (l, vg, ct) => l.ActivateVolumeAsync(vg, "x/y", ct),
        ["pvcreate: relative device path"] = (l, vg, ct) => l.CreatePhysicalVolumeAsync("dev/sdz", ct),
        ["vgcreate: no devices"] = (l, vg, ct) => l.CreateVolumeGroupAsync("stratum-contract-new", [], [], ct),
        ["vgextend: device listed twice"] = (l, vg, ct) => l.ExtendVolumeGroupAsync(vg, ["/dev/stratum-x", "/dev/stratum-x"], ct),
    };

    // ================================================================ helpers

    private async Task<VolumeGroup> VgAsync(LvmTestBed bed) =>
        await bed.Lvm.GetVolumeGroupAsync(bed.VolumeGroup, Ct).ConfigureAwait(false)
        ?? throw new InvalidOperationException($"the test bed's VG {bed.VolumeGroup} does not exist");

    private async Task<long> ExtentAsync(LvmTestBed bed) => (await VgAsync(bed).ConfigureAwait(false)).ExtentSizeBytes;

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;

    private static CreateVolumeRequest Linear(LvmTestBed bed, string name, long size, IReadOnlyList<string>? tags = null) =>
        new() { VolumeGroup = bed.VolumeGroup, Name = name, SizeBytes = size, Tags = tags ?? [] };

    private static CreateThinPoolRequest Pool(LvmTestBed bed, string name, long size, IReadOnlyList<string>? tags = null) =>
        new() { VolumeGroup = bed.VolumeGroup, Name = name, SizeBytes = size, Tags = tags ?? [] };

    private static CreateThinVolumeRequest Thin(LvmTestBed bed, string pool, string name, long size, IReadOnlyList<string>? tags = null) =>
        new() { VolumeGroup = bed.VolumeGroup, Pool = pool, Name = name, SizeBytes = size, Tags = tags ?? [] };

    private static CreateThinSnapshotRequest ThinSnap(LvmTestBed bed, string origin, string name, IReadOnlyList<string>? tags = null) =>
        new() { VolumeGroup = bed.VolumeGroup, Origin = origin, Name = name, Tags = tags ?? [] };

    private static CreateSnapshotRequest Cow(LvmTestBed bed, string origin, string name, long size, IReadOnlyList<string>? tags = null) =>
        new() { VolumeGroup = bed.VolumeGroup, Origin = origin, Name = name, SizeBytes = size, Tags = tags ?? [] };

    [GeneratedRegex(@"^[A-Za-z0-9]{6}(-[A-Za-z0-9]{4}){5}-[A-Za-z0-9]{6}\z")]
    private static partial Regex UuidPattern();

    [GeneratedRegex(@"^[-a-zA-Z]{10}\z")]
    private static partial Regex AttributePattern();
}
