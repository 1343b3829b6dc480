using Stratum.Platform.Exec;
using Stratum.Lvm.Tests.TestSupport;
using Stratum.Testing.Logging;

namespace Stratum.Lvm.Tests;

/// <summary>Exact argv of every operation, and how results and failures come back.</summary>
public sealed class LvmTests
{
    private const string Fields = "lv_name,vg_name,lv_uuid,lv_size,lv_tags,lv_attr,lv_path,lv_dm_path,lv_kernel_major,lv_kernel_minor,pool_lv,origin,data_percent,metadata_percent,segtype,lv_active,stripes,lv_health_status";
    private static readonly string[] Lvs = ["lvm", "lvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", Fields];

    private readonly FakeCommandRunner _runner = new();
    private readonly RecordingLogger<LvmCli> _logger = new();

    private LvmCli CreateLvm(LvmOptions? options = null) => new(_runner, options ?? new LvmOptions(), _logger);

    private static string[] LvsOf(string target) => [.. Lvs, target];

    private static CancellationToken Ct => CancellationToken.None;

    // ------------------------------------------------------------ reports

    [Fact]
    public async Task ListPhysicalVolumesAsync_NoFilter_RunsPvsWithFieldsAndReturnsAll()
    {
        _runner.Succeeds(RealLvmOutput.Pvs);

        var pvs = await CreateLvm().ListPhysicalVolumesAsync(null, Ct);

        Assert.Equal(["lvm", "pvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", "pv_name,vg_name,pv_uuid,pv_size,pv_free,pv_attr,pv_tags,dev_size"], Assert.Single(_runner.Argvs));
        Assert.Equal(["/dev/vda", "/dev/vdb"], pvs.Select(pv => pv.Name));
    }

    [Theory]
    [InlineData("stratum", 2)]
    [InlineData("other", 0)]
    public async Task ListPhysicalVolumesAsync_VgFilter_ReturnsOnlyThatVgsPvs(string vg, int count)
    {
        _runner.Succeeds(RealLvmOutput.Pvs);

        var pvs = await CreateLvm().ListPhysicalVolumesAsync(vg, Ct);

        Assert.Equal(count, pvs.Length);
        Assert.DoesNotContain(vg, Assert.Single(_runner.Argvs));
    }

    [Fact]
    public async Task ListVolumeGroupsAsync_Always_RunsVgsWithFields()
    {
        _runner.Succeeds(RealLvmOutput.Vgs);

        var vgs = await CreateLvm().ListVolumeGroupsAsync(Ct);

        Assert.Equal(["lvm", "vgs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", "vg_name,vg_uuid,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,vg_tags,vg_attr,pv_count,lv_count"], Assert.Single(_runner.Argvs));
        Assert.Equal("stratum", Assert.Single(vgs).Name);
    }

    [Fact]
    public async Task GetVolumeGroupAsync_Exists_PassesNameAndReturnsIt()
    {
        _runner.Succeeds(RealLvmOutput.Vgs);

        var vg = await CreateLvm().GetVolumeGroupAsync("stratum", Ct);

        Assert.Equal("stratum", Assert.Single(_runner.Argvs)[^1]);
        Assert.Equal(1932, vg!.FreeExtentCount);
    }

    [Fact]
    public async Task GetVolumeGroupAsync_Missing_ReturnsNull()
    {
        _runner.Returns(5, RealLvmOutput.EmptyVgReport, "  Volume group \"nope\" not found\n  Cannot process volume group nope\n");

        Assert.Null(await CreateLvm().GetVolumeGroupAsync("nope", Ct));
    }

    [Fact]
    public async Task GetVolumeGroupAsync_Locked_Throws()
    {
        _runner.Returns(5, RealLvmOutput.EmptyVgReport, "  Can't get lock for stratum.\n  Cannot process volume group stratum\n");

        await Assert.ThrowsAsync<LvmLockedException>(() => CreateLvm().GetVolumeGroupAsync("stratum", Ct));
    }

    [Fact]
    public async Task ListLogicalVolumesAsync_Vg_RunsLvsOnVgWithoutHiddenLvs()
    {
        _runner.Succeeds(RealLvmOutput.LvsAllFields);

        var lvs = await CreateLvm().ListLogicalVolumesAsync("stratum", Ct);

        Assert.Equal(LvsOf("stratum"), Assert.Single(_runner.Argvs));
        Assert.DoesNotContain("-a", _runner.Argvs[0]);
        Assert.Equal(14, lvs.Length);
    }

    [Fact]
    public async Task ListLogicalVolumesAsync_MissingVg_ThrowsNotFound()
    {
        _runner.Returns(5, RealLvmOutput.EmptyLvReport, "  Volume group \"nope\" not found\n  Cannot process volume group nope\n");

        await Assert.ThrowsAsync<LvmNotFoundException>(() => CreateLvm().ListLogicalVolumesAsync("nope", Ct));
    }

    [Fact]
    public async Task GetLogicalVolumeAsync_Exists_RunsLvsOnVgSlashLv()
    {
        _runner.Succeeds(LvJson.Report(LvJson.Row("stratum", "t1")));

        var lv = await CreateLvm().GetLogicalVolumeAsync("stratum", "t1", Ct);

        Assert.Equal(LvsOf("stratum/t1"), Assert.Single(_runner.Argvs));
        Assert.Equal("stratum/t1", lv!.FullName);
    }

    [Theory]
    [InlineData("  Failed to find logical volume \"stratum/nope\"\n")]
    [InlineData("  Volume group \"nope\" not found\n  Cannot process volume group nope\n")]
    public async Task GetLogicalVolumeAsync_LvOrVgMissing_ReturnsNull(string stderr)
    {
        _runner.Returns(5, RealLvmOutput.EmptyLvReport, stderr);

        Assert.Null(await CreateLvm().GetLogicalVolumeAsync("stratum", "nope", Ct));
    }

    [Fact]
    public async Task FindLogicalVolumesByTagAsync_Tag_RunsLvsOnAtTag()
    {
        _runner.Succeeds(LvJson.Report(LvJson.Row("vg1", "a", tags: "stratum.io/owner"), LvJson.Row("vg2", "b", tags: "stratum.io/owner", uuid: "other")));

        var lvs = await CreateLvm().FindLogicalVolumesByTagAsync("stratum.io/owner", Ct);

        Assert.Equal(LvsOf("@stratum.io/owner"), Assert.Single(_runner.Argvs));
        Assert.Equal(["vg1/a", "vg2/b"], lvs.Select(lv => lv.FullName));
    }

    [Fact]
    public async Task FindLogicalVolumesByTagAsync_NoMatch_ReturnsEmpty()
    {
        _runner.Succeeds(RealLvmOutput.EmptyLvReport);

        Assert.Empty(await CreateLvm().FindLogicalVolumesByTagAsync("nosuch", Ct));
    }

    // ------------------------------------------------------------ creation

    [Fact]
    public async Task CreateVolumeAsync_Linear_WipesZeroesTagsAndReadsBack()
    {
        _runner.Succeeds().Succeeds(LvJson.Report(LvJson.Row("stratum", "pvc-1", tags: "a=b,stratum.io/owner")));

        var lv = await CreateLvm().CreateVolumeAsync(new CreateVolumeRequest
        {
            VolumeGroup = "stratum",
            Name = "pvc-1",
            SizeBytes = 104857600,
            Tags = ["stratum.io/owner", "a=b"],
        }, Ct);

        Assert.Equal(
            [
                ["lvm", "lvcreate", "--yes", "--wipesignatures", "y", "--zero", "y", "--name", "pvc-1", "--size", "104857600b", "--addtag", "stratum.io/owner", "--addtag", "a=b", "stratum"],
                LvsOf("stratum/pvc-1"),
            ],
            _runner.Argvs);
        Assert.Equal(TagSet.From(["a=b", "stratum.io/owner"]), lv.Tags);
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 1100);
    }

    [Fact]
    public async Task CreateVolumeAsync_SizeNotSectorAligned_RoundsUpTo512()
    {
        _runner.Succeeds().Succeeds(LvJson.Report(LvJson.Row("vg", "lv")));

        await CreateLvm().CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "lv", SizeBytes = 1_500_000_000 }, Ct);

        Assert.Equal("1500000256b", _runner.Argvs[0][10]);
    }

    [Fact]
    public async Task CreateVolumeAsync_Striped_PassesStripesAndStripeSizeInBytes()
    {
        _runner.Succeeds().Succeeds(LvJson.Report(LvJson.Row("vg", "lv", segtype: "striped")));

        await CreateLvm().CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "lv", SizeBytes = 8388608, Stripes = 2, StripeSizeBytes = 65536 }, Ct);

        Assert.Equal(["lvm", "lvcreate", "--yes", "--wipesignatures", "y", "--zero", "y", "--name", "lv", "--size", "8388608b", "--stripes", "2", "--stripesize", "65536b", "vg"], _runner.Argvs[0]);
    }

    [Fact]
    public async Task CreateVolumeAsync_Raid1_PassesTypeAndMirrors()
    {
        _runner.Succeeds().Succeeds(LvJson.Report(LvJson.Row("vg", "lv", segtype: "raid1")));

        await CreateLvm().CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "lv", SizeBytes = 8388608, Mirrors = 1 }, Ct);

        Assert.Equal(["lvm", "lvcreate", "--yes", "--wipesignatures", "y", "--zero", "y", "--name", "lv", "--size", "8388608b", "--type", "raid1", "--mirrors", "1", "vg"], _runner.Argvs[0]);
    }

    [Fact]
    public async Task CreateVolumeAsync_ExtraOptions_AppendedBeforeVgAfterValidation()
    {
        _runner.Succeeds().Succeeds(LvJson.Report(LvJson.Row("vg", "lv", segtype: "raid1")));

        await CreateLvm().CreateVolumeAsync(new CreateVolumeRequest
        {
            VolumeGroup = "vg",
            Name = "lv",
            SizeBytes = 8388608,
            Mirrors = 1,
            Tags = ["t"],
            ExtraOptions = ["--nosync", "--regionsize=512k", "--alloc", "cling"],
        }, Ct);

        Assert.Equal(
            ["lvm", "lvcreate", "--yes", "--wipesignatures", "y", "--zero", "y", "--name", "lv", "--size", "8388608b", "--type", "raid1", "--mirrors", "1",
             "--addtag", "t", "--nosync", "--regionsize", "512k", "--alloc", "cling", "vg"],
            _runner.Argvs[0]);
    }

    [Fact]
    public async Task CreateThinPoolAsync_Request_CreatesZeroingPool()
    {
        _runner.Succeeds().Succeeds(LvJson.Report(LvJson.Row("vg", "pool", segtype: "thin-pool", attr: "twi-aotz--")));

        var pool = await CreateLvm().CreateThinPoolAsync(new CreateThinPoolRequest
        {
            VolumeGroup = "vg",
            Name = "pool",
            SizeBytes = 33554432,
            Tags = ["p"],
            ExtraOptions = ["--chunksize", "128k"],
        }, Ct);

        Assert.Equal(
            [
                ["lvm", "lvcreate", "--yes", "--type", "thin-pool", "--zero", "y", "--name", "pool", "--size", "33554432b", "--addtag", "p", "--chunksize", "128k", "vg"],
                LvsOf("vg/pool"),
            ],
            _runner.Argvs);
        Assert.True(pool.IsThinPool);
    }

    [Fact]
    public async Task CreateThinVolumeAsync_Request_UsesVirtualSizeAndPool()
    {
        _runner.Succeeds().Succeeds(LvJson.Report(LvJson.Row("vg", "th1", segtype: "thin", pool: "pool", attr: "Vwi-a-tz--")));

        var lv = await CreateLvm().CreateThinVolumeAsync(new CreateThinVolumeRequest
        {
            VolumeGroup = "vg",
            Pool = "pool",
            Name = "th1",
            SizeBytes = 67108864,
            Tags = ["x"],
        }, Ct);

        Assert.Equal(
            [
                ["lvm", "lvcreate", "--yes", "--type", "thin", "--name", "th1", "--virtualsize", "67108864b", "--thinpool", "pool", "--addtag", "x", "vg"],
                LvsOf("vg/th1"),
            ],
            _runner.Argvs);
        Assert.Equal("pool", lv.Pool);
    }

    [Fact]
    public async Task CreateThinSnapshotAsync_Default_KeepsLvmActivationSkip()
    {
        _runner.Succeeds().Succeeds(LvJson.Report(LvJson.Row("vg", "sn1", segtype: "thin", pool: "pool", origin: "th1", attr: "Vwi---tz-k")));

        var snap = await CreateLvm().CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = "vg", Origin = "th1", Name = "sn1", Tags = ["s"] }, Ct);

        Assert.Equal(["lvm", "lvcreate", "--yes", "--snapshot", "--name", "sn1", "--addtag", "s", "vg/th1"], _runner.Argvs[0]);
        Assert.True(snap.IsSnapshot);
    }

    [Fact]
    public async Task CreateThinSnapshotAsync_Activate_ClearsSkipFlagAndActivates()
    {
        _runner.Succeeds().Succeeds(LvJson.Report(LvJson.Row("vg", "sn2", segtype: "thin", pool: "pool", origin: "th1", attr: "Vwi-a-tz--")));

        await CreateLvm().CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = "vg", Origin = "th1", Name = "sn2", Activate = true }, Ct);

        Assert.Equal(["lvm", "lvcreate", "--yes", "--snapshot", "--name", "sn2", "--setactivationskip", "n", "--activate", "y", "vg/th1"], _runner.Argvs[0]);
    }

    [Fact]
    public async Task CreateSnapshotAsync_Thick_PassesCowSize()
    {
        _runner.Succeeds().Succeeds(LvJson.Report(LvJson.Row("vg", "cow1", origin: "st", attr: "swi-a-s---")));

        await CreateLvm().CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "vg", Origin = "st", Name = "cow1", SizeBytes = 4194304, Tags = ["c"] }, Ct);

        Assert.Equal(
            [
                ["lvm", "lvcreate", "--yes", "--snapshot", "--name", "cow1", "--size", "4194304b", "--addtag", "c", "vg/st"],
                LvsOf("vg/cow1"),
            ],
            _runner.Argvs);
    }

    [Fact]
    public async Task CreateVolumeAsync_NameTaken_ThrowsAlreadyExistsWithoutReadBack()
    {
        _runner.Returns(5, "", "  Rounding up size to full physical extent 12.00 MiB\n  Logical Volume \"t1\" already exists in volume group \"stratum\"\n");

        var ex = await Assert.ThrowsAsync<LvmAlreadyExistsException>(() => CreateLvm().CreateVolumeAsync(
            new CreateVolumeRequest { VolumeGroup = "stratum", Name = "t1", SizeBytes = 10485760 }, Ct));

        Assert.Single(_runner.Calls);
        Assert.Equal("lvm", ex.Command[0]);
        Assert.Equal(5, ex.ExitCode);
    }

    [Fact]
    public async Task CreateVolumeAsync_VgFull_ThrowsInsufficientSpace()
    {
        _runner.Returns(5, "", "  Volume group \"stratum\" has insufficient free space (2021 extents): 25600 required.\n");

        await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() => CreateLvm().CreateVolumeAsync(
            new CreateVolumeRequest { VolumeGroup = "stratum", Name = "big", SizeBytes = 100L << 30 }, Ct));
    }

    [Fact]
    public async Task CreateThinVolumeAsync_PoolFull_ThrowsInsufficientSpace()
    {
        _runner.Returns(5, "", "  WARNING: Thin pool stratum/pool is out of data space.\n  Cannot create new thin volume, free space in thin pool stratum/pool reached threshold.\n");

        await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() => CreateLvm().CreateThinVolumeAsync(
            new CreateThinVolumeRequest { VolumeGroup = "stratum", Pool = "pool", Name = "th2", SizeBytes = 8388608 }, Ct));
    }

    // The stderr real LVM 2.03.16 prints while vg/pool0_tmeta is active on its own (see LvmCliThinComponentTests).
    private const string PoolActivationProhibited =
        "  Activation of logical volume vg/pool0 is prohibited while logical volume vg/pool0_tmeta is active.\n  Aborting. Failed to locally activate thin pool vg/pool0.\n";

    [Fact]
    public async Task CreateThinVolumeAsync_PoolComponentLeftActive_DeactivatesItAndRunsTheCreateAgain()
    {
        _runner.Returns(5, "", PoolActivationProhibited).Succeeds().Succeeds()
            .Succeeds(LvJson.Report(LvJson.Row("vg", "th1", segtype: "thin", pool: "pool0", attr: "Vwi-a-tz--")));
        string[] create = ["lvm", "lvcreate", "--yes", "--type", "thin", "--name", "th1", "--virtualsize", "67108864b", "--thinpool", "pool0", "vg"];

        var lv = await CreateLvm().CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "pool0", Name = "th1", SizeBytes = 67108864 }, Ct);

        Assert.Equal([create, ["lvm", "lvchange", "--activate", "n", "vg/pool0_tmeta"], create, LvsOf("vg/th1")], _runner.Argvs);
        Assert.All(_runner.Calls.Take(3), c => Assert.True(c.Mutates));
        Assert.Equal("th1", lv.Name);
    }

    [Fact]
    public async Task CreateThinVolumeAsync_LeftoverComponentOpen_ThrowsInUseWithoutRetrying()
    {
        _runner.Returns(5, "", PoolActivationProhibited)
            .Returns(5, "", "  device-mapper: remove ioctl on  (253:0) failed: Device or resource busy\n  Unable to deactivate vg-pool0_tmeta (253:0).\n");

        var error = await Assert.ThrowsAsync<LvmInUseException>(() => CreateLvm().CreateThinVolumeAsync(
            new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "pool0", Name = "th1", SizeBytes = 67108864 }, Ct));

        Assert.Equal(2, _runner.Calls.Count);
        Assert.Contains("pool0_tmeta is active", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtendVolumeAsync_PoolWithActiveComponent_DeactivatesBothPoolComponentsAndExtends()
    {
        _runner.Returns(5, "", "  Cannot resize logical volume vg/pool0 with active component LV(s).\n").Succeeds().Succeeds().Succeeds()
            .Succeeds(LvJson.Report(LvJson.Row("vg", "pool0", size: 41943040, segtype: "thin-pool", attr: "twi-aotz--")));

        var lv = await CreateLvm().ExtendVolumeAsync("vg", "pool0", 41943040, Ct);

        Assert.Equal(
            [["lvm", "lvchange", "--activate", "n", "vg/pool0_tmeta"], ["lvm", "lvchange", "--activate", "n", "vg/pool0_tdata"]],
            _runner.Argvs.Skip(1).Take(2));
        Assert.Equal("lvextend", _runner.Argvs[3][1]);
        Assert.Equal(41943040, lv.SizeBytes);
    }

    [Fact]
    public async Task ListLogicalVolumesAsync_ReportFailsNamingAComponent_NeverDeactivatesFromAReport()
    {
        _runner.Returns(5, "", PoolActivationProhibited);

        await Assert.ThrowsAsync<LvmInUseException>(() => CreateLvm().ListLogicalVolumesAsync("vg", Ct));

        Assert.Single(_runner.Calls);
    }

    [Fact]
    public async Task CreateVolumeAsync_CreatedButNotReported_ThrowsCommandFailed()
    {
        _runner.Succeeds().Returns(5, RealLvmOutput.EmptyLvReport, "  Failed to find logical volume \"vg/lv\"\n");

        await Assert.ThrowsAsync<LvmCommandFailedException>(() => CreateLvm().CreateVolumeAsync(
            new CreateVolumeRequest { VolumeGroup = "vg", Name = "lv", SizeBytes = 1 }, Ct));
    }

    // ------------------------------------------------------------ extend

    [Fact]
    public async Task ExtendVolumeAsync_Grows_RunsLvextendAndReturnsNewSize()
    {
        _runner.Succeeds().Succeeds(LvJson.Report(LvJson.Row("stratum", "c", size: 16777216)));

        var lv = await CreateLvm().ExtendVolumeAsync("stratum", "c", 16777216, Ct);

        Assert.Equal(
            [
                ["lvm", "lvextend", "--yes", "--size", "16777216b", "stratum/c"],
                LvsOf("stratum/c"),
            ],
            _runner.Argvs);
        Assert.Equal(16777216, lv.SizeBytes);
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 1101);
    }

    [Theory]
    [InlineData("  New size (25 extents) matches existing size (25 extents).\n", 104857600L)]
    [InlineData("  New size given (2 extents) not larger than existing size (3 extents)\n", 8388608L)]
    public async Task ExtendVolumeAsync_AlreadyLargeEnough_IsNoOpSuccess(string stderr, long requested)
    {
        _runner.Returns(5, "", stderr).Succeeds(LvJson.Report(LvJson.Row("stratum", "t1", size: 104857600)));

        var lv = await CreateLvm().ExtendVolumeAsync("stratum", "t1", requested, Ct);

        Assert.Equal(104857600, lv.SizeBytes);
        Assert.Equal(LvsOf("stratum/t1"), _runner.Argvs[1]);
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 1102);
    }

    [Fact]
    public async Task ExtendVolumeAsync_MatchesButReadBackSmaller_Throws()
    {
        _runner.Returns(5, "", "  New size (25 extents) matches existing size (25 extents).\n").Succeeds(LvJson.Report(LvJson.Row("stratum", "t1", size: 1024)));

        await Assert.ThrowsAsync<LvmCommandFailedException>(() => CreateLvm().ExtendVolumeAsync("stratum", "t1", 104857600, Ct));
    }

    [Fact]
    public async Task ExtendVolumeAsync_NoSpace_ThrowsInsufficientSpaceWithoutReadBack()
    {
        _runner.Returns(5, "", "  Insufficient free space: 25597 extents needed, but only 497 available\n");

        await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() => CreateLvm().ExtendVolumeAsync("stratum", "c", 100L << 30, Ct));
        Assert.Single(_runner.Calls);
    }

    [Fact]
    public async Task ExtendVolumeAsync_ActiveOriginWithSnapshots_ThrowsInUse()
    {
        _runner.Returns(5, "", "  Rounding size to boundary between physical extents: 152.00 MiB.\n  Snapshot origin volumes can be resized only while inactive: try lvchange -an.\n");

        var ex = await Assert.ThrowsAsync<LvmInUseException>(() => CreateLvm().ExtendVolumeAsync("stratum", "t1", 157286400, Ct));

        Assert.Contains("Snapshot origin volumes can be resized only while inactive", ex.Message, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------ remove / activate / tags

    private const string WithoutDependents = "lv_attr!~\"^[oOt]\"";

    [Fact]
    public async Task RemoveVolumeAsync_NoDependents_OneLvremoveThatLvmGuards()
    {
        _runner.Succeeds("  Logical volume \"a\" successfully removed.\n");

        await CreateLvm().RemoveVolumeAsync("vg", "a", Ct);

        Assert.Equal(["lvm", "lvremove", "--yes", "--select", WithoutDependents, "vg/a"], Assert.Single(_runner.Argvs));
        Assert.True(_runner.Calls[0].Mutates);
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 1103);
    }

    [Fact]
    public async Task RemoveVolumeAsync_OriginWithCowSnapshot_RefusesAfterLvmDeclined()
    {
        // The guarded lvremove selects nothing (exit 0, silent); the listing then names the dependents.
        _runner.Succeeds().Succeeds(LvJson.Report(LvJson.Row("vg", "st", attr: "owi-a-s---", uuid: "u1"), LvJson.Row("vg", "cow1", origin: "st", attr: "swi-a-s---", uuid: "u2")));

        var ex = await Assert.ThrowsAsync<LvmInUseException>(() => CreateLvm().RemoveVolumeAsync("vg", "st", Ct));

        Assert.Equal([["lvm", "lvremove", "--yes", "--select", WithoutDependents, "vg/st"], LvsOf("vg")], _runner.Argvs);
        Assert.Contains("cow1", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["lvm", "lvremove", "--yes", "vg/st"], ex.Command);
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 1104);
    }

    [Fact]
    public async Task RemoveVolumeAsync_PoolWithThinVolumes_Refuses()
    {
        _runner.Succeeds().Succeeds(LvJson.Report(
            LvJson.Row("vg", "pool", segtype: "thin-pool", attr: "twi-aotz--", uuid: "u1"),
            LvJson.Row("vg", "th1", segtype: "thin", pool: "pool", uuid: "u2")));

        await Assert.ThrowsAsync<LvmInUseException>(() => CreateLvm().RemoveVolumeAsync("vg", "pool", Ct));
        Assert.Equal(2, _runner.Calls.Count);
    }

    [Fact]
    public async Task RemoveVolumeAsync_EmptyPool_RemovedAfterTheListingFindsNoDependents()
    {
        _runner.Succeeds().Succeeds(LvJson.Report(LvJson.Row("vg", "pool", segtype: "thin-pool", attr: "twi-aotz--", uuid: "u1"))).Succeeds();

        await CreateLvm().RemoveVolumeAsync("vg", "pool", Ct);

        Assert.Equal(["lvm", "lvremove", "--yes", "vg/pool"], _runner.Argvs[2]);
    }

    [Theory]
    [InlineData("  Failed to find logical volume \"stratum/nope\"\n", typeof(LvmNotFoundException))]
    [InlineData("  Logical volume stratum/c contains a filesystem in use.\n", typeof(LvmInUseException))]
    public async Task RemoveVolumeAsync_LvremoveFails_ThrowsClassified(string stderr, Type expected)
    {
        _runner.Returns(5, "", stderr);

        var ex = await Assert.ThrowsAnyAsync<LvmException>(() => CreateLvm().RemoveVolumeAsync("stratum", "nope", Ct));

        Assert.IsType(expected, ex);
        Assert.Single(_runner.Calls);
    }

    [Fact]
    public async Task RemoveVolumeIfAsync_Condition_IsOneLvremoveWithItsSelection()
    {
        _runner.Succeeds("  Logical volume \"a\" successfully removed.\n");
        var condition = new LvCondition { Uuid = "abcDEF-0123-4567-89ab-cdef-0123-456789", Tags = ["stratum/owner=x", "k=v"], WithoutDependents = true, NotOpen = true };

        var removed = await CreateLvm().RemoveVolumeIfAsync("vg", "a", condition, Ct);

        Assert.True(removed);
        Assert.Equal(
            ["lvm", "lvremove", "--yes", "--select",
             "lv_uuid=\"abcDEF-0123-4567-89ab-cdef-0123-456789\" && lv_tags={\"stratum/owner=x\"} && lv_tags={\"k=v\"} && lv_attr!~\"^[oOt]\" && lv_attr!~\"^.....o\"",
             "vg/a"],
            Assert.Single(_runner.Argvs));
    }

    [Fact]
    public async Task RemoveVolumeIfAsync_LvmSelectsNothing_ReturnsFalse()
    {
        _runner.Succeeds();

        Assert.False(await CreateLvm().RemoveVolumeIfAsync("vg", "a", new LvCondition { Uuid = "x-1" }, Ct));
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 1112);
    }

    [Fact]
    public async Task RemoveVolumeIfAsync_UuidThatCannotBeOne_RefusedBeforeAnyCommand()
    {
        await Assert.ThrowsAsync<LvmValidationException>(() => CreateLvm().RemoveVolumeIfAsync("vg", "a", new LvCondition { Uuid = "x\" || lv_name=\"y" }, Ct));
        Assert.Empty(_runner.Calls);
    }

    [Theory]
    [InlineData("  Logical volume vg/a changed.\n", true)]
    [InlineData("", false)]
    public async Task ChangeTagsIfAsync_LvmChangedOrSelectedNothing_ReportsWhich(string stdout, bool expected)
    {
        _runner.Succeeds(stdout);

        var changed = await CreateLvm().ChangeTagsIfAsync("vg", "a", new LvCondition { Tags = ["s=creating"] }, ["s=ready"], ["s=creating"], Ct);

        Assert.Equal(expected, changed);
        Assert.Equal(["lvm", "lvchange", "--addtag", "s=ready", "--deltag", "s=creating", "--select", "lv_tags={\"s=creating\"}", "vg/a"], Assert.Single(_runner.Argvs));
        Assert.True(_runner.Calls[0].Mutates);
    }

    [Fact]
    public async Task ChangeTagsIfAsync_MissingLv_ThrowsNotFound()
    {
        _runner.Returns(5, "", "  Failed to find logical volume \"vg/a\"\n");

        await Assert.ThrowsAsync<LvmNotFoundException>(() => CreateLvm().ChangeTagsIfAsync("vg", "a", LvCondition.None, ["t"], [], Ct));
    }

    [Fact]
    public async Task CreateVolumeWithoutReadBackAsync_Request_RunsOnlyTheLvcreate()
    {
        _runner.Succeeds();

        await CreateLvm().CreateVolumeWithoutReadBackAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "a", SizeBytes = 1 << 20, Tags = ["t"] }, Ct);

        Assert.Equal(["lvm", "lvcreate", "--yes", "--wipesignatures", "y", "--zero", "y", "--name", "a", "--size", "1048576b", "--addtag", "t", "vg"], Assert.Single(_runner.Argvs));
        Assert.True(_runner.Calls[0].Mutates);
    }

    [Fact]
    public async Task ReportAsync_VgAndTag_IsOneFullreportJoiningSegmentFieldsByUuid()
    {
        _runner.Succeeds(RealLvmOutput.FullReportOwned);

        var report = await CreateLvm().ReportAsync("vg", "stratum/owner=lvm.stratum.dev", Ct);

        var owned = "lv_tags={\"stratum/owner=lvm.stratum.dev\"} || lv_attr=~\"^[tV]\"";
        Assert.Equal(
            ["lvm", "fullreport", "--reportformat", "json", "--units", "b", "--nosuffix",
             "--configreport", "vg", "-o", "vg_name,vg_uuid,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,vg_tags,vg_attr,pv_count,lv_count",
             "--configreport", "pv", "-o", "pv_name,vg_name,pv_uuid,pv_size,pv_free,pv_attr,pv_tags,dev_size",
             "--configreport", "lv", "-o", "lv_name,vg_name,lv_uuid,lv_size,lv_tags,lv_attr,lv_path,lv_dm_path,lv_kernel_major,lv_kernel_minor,pool_lv,origin,data_percent,metadata_percent,lv_active,lv_health_status", "--select", owned,
             "--configreport", "pvseg", "-o", "pvseg_start", "--select", "pvseg_start<0",
             "--configreport", "seg", "-o", "lv_uuid,segtype,stripes", "--select", owned,
             "vg"],
            Assert.Single(_runner.Argvs));
        Assert.False(_runner.Calls[0].Mutates);
        Assert.Equal(["vg2", "vg"], report.VolumeGroups.Select(g => g.Name));
        Assert.Equal(["/dev/vdc", "/dev/vda", "/dev/vdb"], report.PhysicalVolumes.Select(p => p.Name));
        Assert.Equal(["a", "r", "s", "t"], report.LogicalVolumes.Select(l => l.Name));
        var a = report.LogicalVolumes[0];
        Assert.Equal(("linear", 1, 12582912L, true), (a.SegmentType, a.Stripes, a.SizeBytes, a.IsActive));
        Assert.Equal(("raid1", 2), (report.LogicalVolumes[1].SegmentType, report.LogicalVolumes[1].Stripes));
        Assert.Equal(("striped", 2), (report.LogicalVolumes[2].SegmentType, report.LogicalVolumes[2].Stripes));
        Assert.Equal(("thin", 0, "pool"), (report.LogicalVolumes[3].SegmentType, report.LogicalVolumes[3].Stripes, report.LogicalVolumes[3].Pool));
        Assert.Equal(1023410176, report.PhysicalVolumesOf("vg")[0].FreeBytes);
    }

    [Fact]
    public async Task ReportAsync_MissingVg_IsEmpty()
    {
        _runner.Returns(5, "  {\n      \"report\": [\n      ]\n  }\n", "  Volume group \"nope\" not found\n  Cannot process volume group nope\n");

        var report = await CreateLvm().ReportAsync("nope", null, Ct);

        Assert.Empty(report.VolumeGroups);
        Assert.Empty(report.LogicalVolumes);
    }

    [Fact]
    public async Task ReportAsync_LvWithoutSegmentRow_IsAnUnexpectedReport()
    {
        _runner.Succeeds(RealLvmOutput.FullReportOwned.Replace("\"lv_uuid\":\"T8VNii-3kB3-wDMF-7WcO-Pu6z-RgNU-H8H4G1\", \"segtype\"", "\"lv_uuid\":\"other\", \"segtype\"", StringComparison.Ordinal));

        var ex = await Assert.ThrowsAsync<LvmCommandFailedException>(() => CreateLvm().ReportAsync(null, null, Ct));

        Assert.Contains("has no segment row", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoveVolumeAsync_MissingVg_ThrowsNotFound()
    {
        _runner.Returns(5, RealLvmOutput.EmptyLvReport, "  Volume group \"nope\" not found\n  Cannot process volume group nope\n");

        await Assert.ThrowsAsync<LvmNotFoundException>(() => CreateLvm().RemoveVolumeAsync("nope", "x", Ct));
        Assert.Single(_runner.Calls);
    }

    [Fact]
    public async Task ActivateVolumeAsync_Lv_IgnoresActivationSkip()
    {
        _runner.Succeeds();

        await CreateLvm().ActivateVolumeAsync("vg", "sn1", Ct);

        Assert.Equal(["lvm", "lvchange", "--yes", "--activate", "y", "--ignoreactivationskip", "vg/sn1"], Assert.Single(_runner.Argvs));
    }

    [Fact]
    public async Task RefreshVolumeAsync_Lv_RunsLvchangeRefresh()
    {
        _runner.Succeeds();

        await CreateLvm().RefreshVolumeAsync("vg", "pvc-1", Ct);

        Assert.Equal(["lvm", "lvchange", "--yes", "--refresh", "vg/pvc-1"], Assert.Single(_runner.Argvs));
    }

    [Fact]
    public async Task ActivateVolumeGroupAsync_Vg_RunsVgchangeActivateY()
    {
        _runner.Succeeds();

        await CreateLvm().ActivateVolumeGroupAsync("stratum", Ct);

        Assert.Equal(["lvm", "vgchange", "--activate", "y", "stratum"], Assert.Single(_runner.Argvs));
    }

    [Fact]
    public async Task ActivateVolumeGroupAsync_VgMissing_NotFound()
    {
        _runner.Returns(5, "", "  Volume group \"nope\" not found\n  Cannot process volume group nope\n");

        await Assert.ThrowsAsync<LvmNotFoundException>(() => CreateLvm().ActivateVolumeGroupAsync("nope", Ct));
    }

    [Fact]
    public async Task ActivateVolumeGroupAsync_InvalidName_NeverRuns()
    {
        await Assert.ThrowsAsync<LvmValidationException>(() => CreateLvm().ActivateVolumeGroupAsync("a;rm -rf /", Ct));

        Assert.Empty(_runner.Argvs);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("partial", "partial")]
    [InlineData("refresh needed", "refresh needed")]
    public async Task GetLogicalVolumeAsync_HealthStatus_Parsed(string reported, string? expected)
    {
        var row = LvJson.Row("stratum", "r1");
        row["lv_health_status"] = reported;
        _runner.Succeeds(LvJson.Report(row));

        var lv = await CreateLvm().GetLogicalVolumeAsync("stratum", "r1", Ct);

        Assert.Equal(expected, lv!.HealthStatus);
        Assert.Contains("lv_health_status", string.Join(' ', Assert.Single(_runner.Argvs)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeactivateVolumeAsync_Lv_RunsActivateN()
    {
        _runner.Succeeds();

        await CreateLvm().DeactivateVolumeAsync("vg", "lv", Ct);

        Assert.Equal(["lvm", "lvchange", "--yes", "--activate", "n", "vg/lv"], Assert.Single(_runner.Argvs));
    }

    [Fact]
    public async Task DeactivateVolumeAsync_Mounted_ThrowsInUse()
    {
        _runner.Returns(5, "", "  Logical volume stratum/c contains a filesystem in use.\n");

        await Assert.ThrowsAsync<LvmInUseException>(() => CreateLvm().DeactivateVolumeAsync("stratum", "c", Ct));
    }

    [Fact]
    public async Task ChangeTagsAsync_AddAndRemove_OneLvchange()
    {
        _runner.Succeeds();

        await CreateLvm().ChangeTagsAsync("vg", "lv", ["t2", "stratum.io/state=ready"], ["t1"], Ct);

        Assert.Equal(["lvm", "lvchange", "--addtag", "t2", "--addtag", "stratum.io/state=ready", "--deltag", "t1", "vg/lv"], Assert.Single(_runner.Argvs));
    }

    [Fact]
    public async Task AddTagsAsync_Extension_OnlyAdds()
    {
        _runner.Succeeds();

        await CreateLvm().AddTagsAsync("vg", "lv", ["a"], Ct);

        Assert.Equal(["lvm", "lvchange", "--addtag", "a", "vg/lv"], Assert.Single(_runner.Argvs));
    }

    [Fact]
    public async Task RemoveTagsAsync_Extension_OnlyRemoves()
    {
        _runner.Succeeds();

        await CreateLvm().RemoveTagsAsync("vg", "lv", ["a"], Ct);

        Assert.Equal(["lvm", "lvchange", "--deltag", "a", "vg/lv"], Assert.Single(_runner.Argvs));
    }

    [Fact]
    public async Task ChangeTagsAsync_Nothing_ThrowsValidation()
    {
        await Assert.ThrowsAsync<LvmValidationException>(() => CreateLvm().ChangeTagsAsync("vg", "lv", [], [], Ct));
        Assert.Empty(_runner.Calls);
    }

    // ------------------------------------------------------------ PVs and VGs

    [Fact]
    public async Task CreatePhysicalVolumeAsync_Device_NoYesSoSignaturesAreNeverWiped()
    {
        _runner.Succeeds();

        await CreateLvm().CreatePhysicalVolumeAsync("/dev/vdb", Ct);

        var spec = Assert.Single(_runner.Calls);
        Assert.Equal(["lvm", "pvcreate", "/dev/vdb"], _runner.Argvs[0]);
        Assert.Null(spec.StandardInput);
    }

    [Fact]
    public async Task CreatePhysicalVolumeAsync_DeviceHasSignature_ThrowsCommandFailed()
    {
        _runner.Returns(5, "", "WARNING: ext4 signature detected on /dev/vdb at offset 1080. Wipe it? [y/n]: [n]\n  Aborted wiping of ext4.\n  1 existing signature left on the device.\n");

        var ex = await Assert.ThrowsAsync<LvmCommandFailedException>(() => CreateLvm().CreatePhysicalVolumeAsync("/dev/vdb", Ct));

        Assert.Contains("Aborted wiping of ext4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateVolumeGroupAsync_DevicesAndTags_TagsBeforeNameThenDevices()
    {
        _runner.Succeeds();

        await CreateLvm().CreateVolumeGroupAsync("stratum", ["/dev/vda", "/dev/vdb"], ["vgtag1", "stratum.io/x=y"], Ct);

        Assert.Equal(["lvm", "vgcreate", "--addtag", "vgtag1", "--addtag", "stratum.io/x=y", "stratum", "/dev/vda", "/dev/vdb"], Assert.Single(_runner.Argvs));
    }

    [Fact]
    public async Task CreateVolumeGroupAsync_NameTaken_ThrowsAlreadyExists()
    {
        _runner.Returns(5, "", "  A volume group called stratum already exists.\n");

        await Assert.ThrowsAsync<LvmAlreadyExistsException>(() => CreateLvm().CreateVolumeGroupAsync("stratum", ["/dev/vda"], [], Ct));
    }

    [Fact]
    public async Task ExtendVolumeGroupAsync_Devices_RunsVgextend()
    {
        _runner.Succeeds();

        await CreateLvm().ExtendVolumeGroupAsync("stratum", ["/dev/vdc"], Ct);

        Assert.Equal(["lvm", "vgextend", "stratum", "/dev/vdc"], Assert.Single(_runner.Argvs));
    }

    [Fact]
    public async Task ExtendVolumeGroupAsync_MissingDevice_ThrowsNotFound()
    {
        _runner.Returns(5, "", "  No device found for /dev/nonexist.\n");

        await Assert.ThrowsAsync<LvmNotFoundException>(() => CreateLvm().ExtendVolumeGroupAsync("stratum", ["/dev/nonexist"], Ct));
    }

    // ------------------------------------------------------------ runner integration

    [Fact]
    public async Task AnyCommand_OptionsGiven_UsesLvmPathAndTimeout()
    {
        _runner.Succeeds(RealLvmOutput.Vgs);

        await CreateLvm(new LvmOptions { LvmPath = "/usr/sbin/lvm", CommandTimeout = TimeSpan.FromSeconds(30) }).ListVolumeGroupsAsync(Ct);

        var spec = Assert.Single(_runner.Calls);
        Assert.Equal("/usr/sbin/lvm", spec.Executable);
        Assert.Equal("vgs", spec.Arguments[0]);
        Assert.Equal(TimeSpan.FromSeconds(30), spec.Timeout);
    }

    [Fact]
    public async Task AnyCommand_RunnerTimesOut_ThrowsLvmTimeout()
    {
        _runner.Throws(new CommandTimeoutException("lvm", ["lvcreate"], TimeSpan.FromSeconds(1), "", "  partial"));

        var ex = await Assert.ThrowsAsync<LvmTimeoutException>(() => CreateLvm().CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "lv", SizeBytes = 1 }, Ct));

        Assert.True(ex.IsTransient);
        Assert.Null(ex.ExitCode);
        Assert.Equal("  partial", ex.StandardError);
        Assert.IsType<CommandTimeoutException>(ex.InnerException);
    }

    [Fact]
    public async Task AnyCommand_LvmMissing_ThrowsCommandFailed()
    {
        _runner.Throws(new CommandNotFoundException("lvm", ["vgs"], null));

        var ex = await Assert.ThrowsAsync<LvmCommandFailedException>(() => CreateLvm().ListVolumeGroupsAsync(Ct));

        Assert.IsType<CommandNotFoundException>(ex.InnerException);
    }

    [Fact]
    public async Task AnyCommand_CallerCancels_PropagatesOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CreateLvm().ListVolumeGroupsAsync(cts.Token));
    }
}
