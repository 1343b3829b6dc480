using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Testing.Lvm;
using Stratum.Volumes.Filesystems;
using Stratum.Volumes.Metadata;
using Stratum.Volumes.Naming;
using static Stratum.Volumes.Tests.Engine.EngineFixture;

namespace Stratum.Volumes.Tests.Engine;

/// <summary>
/// The controller side of the engine on the LVM simulator and an in-memory host. Each simulator
/// operation stands for a known number of LVM processes under LvmCli (CreateVolumeWithoutReadBack,
/// ChangeTagsIf, RemoveVolumeIf, Report, FindLogicalVolumesByTag, GetLogicalVolume: one each), so
/// the operation lists below pin how many LVM commands each call costs.
/// </summary>
public sealed class VolumeEngineTests : IAsyncLifetime
{
    private EngineFixture _f = null!;

    public async Task InitializeAsync() => _f = await CreateAsync();

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    private LvmSimulator Lvm => _f.Lvm;

    private VolumeEngine Engine => _f.Engine;

    private IReadOnlyList<LvmOperation> Operations => [.. Lvm.Calls.Select(c => c.Operation)];

    /// <summary>A second run of the plugin over the same LVM (and host).</summary>
    private async Task<VolumeEngine> RestartAsync()
    {
        var classes = Engine.Classes;
        var engine = NodeEngine.Create(Lvm, _f.Fs, () => classes, new VolumeEngineOptions { NodeId = "n1" }, NullLoggerFactory.Instance);
        await engine.StartAsync(CancellationToken.None);
        return engine.Volumes;
    }

    /// <summary>An LV of Stratum's for <paramref name="csiName"/> as an interrupted operation leaves it.</summary>
    private async Task<LogicalVolume> LeftoverAsync(string csiName, VolumeState state)
    {
        var tags = new VolumeMetadata { CsiName = csiName, DeviceClass = "default", RequestedBytes = Gi, State = state }.ToTags();
        var lv = await Lvm.Admin.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "stratum", Name = LogicalVolumeNaming.ForCsiName(csiName), SizeBytes = Gi, Tags = tags }, default);
        _f.AddDevice(lv);
        return lv;
    }

    // ================================================================ start-up

    [Fact]
    public async Task StartAsync_OwnInactiveVolume_Activated()
    {
        var volume = await _f.CreateAsync("pvc-1");
        await Lvm.Admin.DeactivateVolumeAsync("stratum", volume.Lv.Name, default);

        var found = await Engine.StartAsync(default);

        Assert.Equal("pvc-1", Assert.Single(found).Metadata.CsiName);
        Assert.True((await _f.LvAsync(volume))!.IsActive);
    }

    [Fact]
    public async Task StartAsync_OwnVolumeLeftSuspended_ResumedWithOneRefresh()
    {
        var suspended = await _f.CreateAsync("pvc-s");
        var fine = await _f.CreateAsync("pvc-f");
        Lvm.SetSuspended("stratum", suspended.Lv.Name);
        Assert.True((await _f.LvAsync(suspended))!.IsSuspended);
        Lvm.ResetCalls();

        var found = await Engine.StartAsync(default);

        Assert.Equal(2, found.Count);
        Assert.False((await _f.LvAsync(suspended))!.IsSuspended);
        Assert.Equal([new LvmCall(LvmOperation.RefreshVolume, suspended.Lv.FullName)], Lvm.Calls.Where(c => c.Operation == LvmOperation.RefreshVolume));
        Assert.All(found, v => Assert.False(v.Lv.IsSuspended));
        Assert.False((await _f.LvAsync(fine))!.IsSuspended);
    }

    [Fact]
    public async Task StartAsync_NothingSuspended_NoRefresh()
    {
        await _f.CreateAsync("pvc-1");
        Lvm.ResetCalls();

        await Engine.StartAsync(default);

        Assert.DoesNotContain(LvmOperation.RefreshVolume, Operations);
    }

    [Fact]
    public async Task StartAsync_ForeignSuspendedLv_LeftAlone()
    {
        await Lvm.Admin.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "stratum", Name = "admins", SizeBytes = Gi }, default);
        Lvm.SetSuspended("stratum", "admins");
        Lvm.ResetCalls();

        await Engine.StartAsync(default);

        Assert.True((await Lvm.Admin.GetLogicalVolumeAsync("stratum", "admins", default))!.IsSuspended);
        Assert.DoesNotContain(LvmOperation.RefreshVolume, Operations);
    }

    [Fact]
    public async Task StartAsync_ForeignInactiveLv_LeftInactive()
    {
        await Lvm.Admin.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "stratum", Name = "admins", SizeBytes = Gi }, default);
        await Lvm.Admin.DeactivateVolumeAsync("stratum", "admins", default);
        Lvm.ResetCalls();

        var found = await Engine.StartAsync(default);

        Assert.Empty(found);
        Assert.False((await Lvm.Admin.GetLogicalVolumeAsync("stratum", "admins", default))!.IsActive);
        Assert.DoesNotContain(LvmOperation.ActivateVolume, Operations);
    }

    [Fact]
    public async Task StartAsync_IncompleteOrHalfDeletedLvs_NotServedNotActivated()
    {
        var creating = await LeftoverAsync("pvc-c", VolumeState.Creating);
        var deleting = await LeftoverAsync("pvc-d", VolumeState.Deleting);
        await Lvm.Admin.DeactivateVolumeAsync("stratum", creating.Name, default);

        var found = await Engine.StartAsync(default);

        Assert.Empty(found);
        Assert.Equal(2, Engine.Catalog.Known().Count);
        Assert.False((await Lvm.Admin.GetLogicalVolumeAsync("stratum", creating.Name, default))!.IsActive);
        Assert.Empty(await Engine.ListAsync(default));
        Assert.Null(await Engine.GetAsync(new VolumeId("stratum", deleting.Name, deleting.Uuid).ToString(), default));
    }

    [Fact]
    public async Task StartAsync_MissingVolumeGroup_StartsAndReportsNoCapacity()
    {
        var capacity = Engine.GetCapacity(Engine.ResolveClass("elsewhere"));

        Assert.False(capacity.VolumeGroupPresent);
        Assert.Equal(0, capacity.AvailableBytes);
        Assert.True(Engine.GetCapacity(Engine.ResolveClass(null)).AvailableBytes > 0);
    }

    [Fact]
    public async Task StartAsync_OneVolumeCannotActivate_OthersStillServed()
    {
        var broken = await _f.CreateAsync("broken");
        var fine = await _f.CreateAsync("fine");
        await Lvm.Admin.DeactivateVolumeAsync("stratum", broken.Lv.Name, default);
        await Lvm.Admin.DeactivateVolumeAsync("stratum", fine.Lv.Name, default);
        Lvm.FailNext(LvmOperation.ActivateVolume, new LvmCommandFailedException("device missing", ["lvchange"], 5, "Refusing activation of partial LV"));

        var found = await Engine.StartAsync(default);

        Assert.Equal(2, found.Count);
        Assert.Single(await Task.WhenAll(found.Select(v => _f.LvAsync(v))), lv => lv!.IsActive);
    }

    // ================================================================ create

    [Fact]
    public async Task CreateAsync_NewVolume_LvcreateTaggedCreatingThenMarkedReadyThenOneReport()
    {
        Lvm.ResetCalls();

        var volume = await _f.CreateAsync("pvc-new");

        Assert.Equal([LvmOperation.CreateVolumeWithoutReadBack, LvmOperation.ChangeTagsIf, LvmOperation.Report], Operations);
        var lv = (await _f.LvAsync(volume))!;
        Assert.Contains(VolumeMetadata.ReadyTag, lv.Tags);
        Assert.DoesNotContain(VolumeMetadata.CreatingTag, lv.Tags);
        Assert.Equal(VolumeState.Ready, volume.State);
        Assert.Equal(lv.Uuid, volume.Id.Uuid);
    }

    [Fact]
    public async Task CreateAsync_SameNameTwice_SecondIsOneLookupAndNoLvcreate()
    {
        var first = await _f.CreateAsync("pvc-2");
        Lvm.ResetCalls();

        var second = await Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-2", RequiredBytes = Gi / 2 }, default);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal([LvmOperation.FindLogicalVolumesByTag], Operations);
    }

    [Fact]
    public async Task CreateAsync_SameCsiNameOnTwoLvs_InternalInsteadOfGuessing()
    {
        await _f.CreateAsync("dup");
        var tags = new VolumeMetadata { CsiName = "dup", DeviceClass = "default", RequestedBytes = Gi }.ToTags();
        await Lvm.Admin.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "stratum", Name = "copy", SizeBytes = Gi, Tags = tags }, default);

        var ex = await Assert.ThrowsAsync<VolumeException>(() => Engine.CreateAsync(new CreateVolumeSpec { Name = "dup", RequiredBytes = Gi }, default));

        Assert.Equal(VolumeError.Internal, ex.Error);
        Assert.Contains("stratum/copy", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(VolumeState.Creating)]
    [InlineData(VolumeState.Deleting)]
    public async Task CreateAsync_LeftoverOfTheNameKnownAtStart_RemovedAndCreatedAnew(VolumeState state)
    {
        var leftover = await LeftoverAsync("pvc-again", state);
        var engine = await RestartAsync();

        var volume = await engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-again", RequiredBytes = Gi }, default);

        Assert.NotEqual(leftover.Uuid, volume.Id.Uuid);
        Assert.Equal(VolumeState.Ready, volume.State);
        Assert.Contains($"discard {leftover.Path}", _f.Fs.Changes);
        Assert.Single((await Lvm.Admin.ListLogicalVolumesAsync("stratum", default)).Where(lv => lv.Name == leftover.Name));
    }

    [Fact]
    public async Task CreateAsync_IncompleteLvTheCatalogNeverSaw_LvcreateRunsIntoItAndItIsRecreated()
    {
        var leftover = await LeftoverAsync("pvc-late", VolumeState.Creating);

        var volume = await Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-late", RequiredBytes = Gi }, default);

        Assert.NotEqual(leftover.Uuid, volume.Id.Uuid);
        Assert.Equal(VolumeState.Ready, volume.State);
    }

    [Fact]
    public async Task CreateAsync_ForeignLvHoldsTheName_AlreadyExistsAndUntouched()
    {
        var foreign = await Lvm.Admin.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "stratum", Name = LogicalVolumeNaming.ForCsiName("pvc-taken"), SizeBytes = Gi }, default);

        var ex = await Assert.ThrowsAsync<VolumeException>(() => Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-taken", RequiredBytes = Gi }, default));

        Assert.Equal(VolumeError.AlreadyExists, ex.Error);
        Assert.Equal(foreign, await Lvm.Admin.GetLogicalVolumeAsync("stratum", foreign.Name, default));
    }

    [Fact]
    public async Task CreateAsync_CallerGivesUpDuringLvcreate_VolumeCompletedAndRetriesAbortedMeanwhile()
    {
        using var gate = Lvm.Hold(LvmOperation.CreateVolumeWithoutReadBack);
        using var caller = new CancellationTokenSource();
        var create = Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-slow", RequiredBytes = Gi }, caller.Token);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(10));

        await caller.CancelAsync();
        var retry = await Assert.ThrowsAsync<VolumeException>(() => Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-slow", RequiredBytes = Gi }, default));
        gate.Release();
        var volume = await create;

        Assert.Equal(VolumeError.Busy, retry.Error);
        Assert.Equal(VolumeState.Ready, volume.State);
        Assert.Contains(VolumeMetadata.ReadyTag, (await _f.LvAsync(volume))!.Tags);
    }

    [Fact]
    public async Task CreateAsync_LvcreateTimesOutAfterCommitting_LeftoverRemovedAndUnavailable()
    {
        var name = LogicalVolumeNaming.ForCsiName("pvc-timeout");
        Lvm.FailNext(LvmOperation.CreateVolumeWithoutReadBack, new LvmTimeoutException("lvm lvcreate did not finish within 120 s and was killed; its effect is unknown", ["lvm", "lvcreate"], null, null));
        using var gate = Lvm.Hold(LvmOperation.CreateVolumeWithoutReadBack);
        var create = Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-timeout", RequiredBytes = Gi }, default);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        // What the killed lvcreate had committed before its timeout: the LV, tagged creating.
        var tags = new VolumeMetadata { CsiName = "pvc-timeout", DeviceClass = "default", RequestedBytes = Gi, Node = "n1", State = VolumeState.Creating }.ToTags();
        await Lvm.Admin.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "stratum", Name = name, SizeBytes = Gi, Tags = tags }, default);
        gate.Release();

        var ex = await Assert.ThrowsAsync<VolumeException>(() => create);

        Assert.Equal(VolumeError.Unavailable, ex.Error);
        Assert.Null(await Lvm.Admin.GetLogicalVolumeAsync("stratum", name, default));
    }

    [Fact]
    public async Task CreateAsync_MarkingReadyFails_NeverServedAndTheRetryRecreates()
    {
        Lvm.FailNext(LvmOperation.ChangeTagsIf, new LvmLockedException("lvm lvchange failed with exit code 5: Giving up waiting for lock.", ["lvm", "lvchange"], 5, "Giving up waiting for lock."));

        var ex = await Assert.ThrowsAsync<VolumeException>(() => Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-locked", RequiredBytes = Gi }, default));
        var left = ManagedVolume.From(Assert.Single(await Lvm.Admin.ListLogicalVolumesAsync("stratum", default)))!;
        _f.AddDevice(left.Lv);
        var listed = await Engine.ListAsync(default);
        var volume = await Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-locked", RequiredBytes = Gi }, default);

        Assert.Equal(VolumeError.Unavailable, ex.Error);
        Assert.Equal(VolumeState.Creating, left.State);
        Assert.Empty(listed);
        Assert.NotEqual(left.Id, volume.Id);
        Assert.Equal(VolumeState.Ready, volume.State);
    }

    [Fact]
    public async Task CreateAsync_ABugBelow_NotTurnedIntoACallersError()
    {
        Lvm.FailNext(LvmOperation.CreateVolumeWithoutReadBack, new InvalidOperationException("a bug"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-bug", RequiredBytes = Gi }, default));
    }

    [Theory]
    [InlineData("xfs", 0L, 300L << 20)]
    [InlineData("btrfs", 0L, 112L << 20)]
    [InlineData("ext4", 0L, 4L << 20)]
    [InlineData("", 0L, 4L << 20)]
    public async Task CreateAsync_TinyRequest_RaisedToFilesystemMinimum(string fs, long limit, long expected)
    {
        var volume = await Engine.CreateAsync(new CreateVolumeSpec { Name = "tiny-" + fs, RequiredBytes = 1, LimitBytes = limit, MountFilesystems = [fs] }, default);

        Assert.Equal(expected, volume.CapacityBytes);
    }

    [Fact]
    public async Task CreateAsync_UnknownFilesystem_InvalidArgumentNamingTheSupportedOnes()
    {
        var ex = await Assert.ThrowsAsync<VolumeException>(() => Engine.CreateAsync(new CreateVolumeSpec { Name = "zfs", RequiredBytes = Gi, MountFilesystems = ["zfs"] }, default));

        Assert.Equal(VolumeError.InvalidArgument, ex.Error);
        Assert.Contains(FileSystemTypes.Names, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_FilesystemMinimumAboveLimit_OutOfRangeAndNothingCreated()
    {
        Lvm.ResetCalls();

        var ex = await Assert.ThrowsAsync<VolumeException>(() =>
            Engine.CreateAsync(new CreateVolumeSpec { Name = "small-xfs", RequiredBytes = 1, LimitBytes = 100L << 20, MountFilesystems = ["xfs"] }, default));

        Assert.Equal(VolumeError.OutOfRange, ex.Error);
        Assert.Contains("xfs needs at least", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Operations);
    }

    [Fact]
    public async Task CreateAsync_WouldEatIntoSpare_NoSpaceAndNothingCreated()
    {
        // 20 GiB of PVs, 1 GiB spare: 19.5 GiB cannot be given.
        var ex = await Assert.ThrowsAsync<VolumeException>(() =>
            Engine.CreateAsync(new CreateVolumeSpec { Name = "greedy", RequiredBytes = 19 * Gi + Gi / 2 }, default));

        Assert.Equal(VolumeError.NoSpace, ex.Error);
        Assert.Empty(await Engine.ListAsync(default));
    }

    [Fact]
    public async Task CreateAsync_ClassOnAMissingVolumeGroup_NoSpaceSoTheSchedulerMovesOn()
    {
        var ex = await Assert.ThrowsAsync<VolumeException>(() => Engine.CreateAsync(new CreateVolumeSpec { Name = "nowhere", RequiredBytes = Gi, DeviceClass = "elsewhere" }, default));

        Assert.Equal(VolumeError.NoSpace, ex.Error);
        Assert.Contains("volume group absent", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_SomeoneElseTookTheSpace_NoSpaceFromLvcreateAndFiguresReadAnew()
    {
        var before = Engine.GetCapacity(Engine.ResolveClass(null));
        await Lvm.Admin.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "stratum", Name = "admins", SizeBytes = 18 * Gi }, default);

        var ex = await Assert.ThrowsAsync<VolumeException>(() => Engine.CreateAsync(new CreateVolumeSpec { Name = "late", RequiredBytes = 4 * Gi }, default));

        Assert.Equal(VolumeError.NoSpace, ex.Error);
        Assert.Equal(before.AvailableBytes - (18 * Gi), Engine.GetCapacity(Engine.ResolveClass(null)).AvailableBytes);
    }

    // ================================================================ delete

    [Fact]
    public async Task DeleteAsync_Volume_MarkedDeletingDiscardedRemovedInTwoCommands()
    {
        var before = Engine.GetCapacity(Engine.ResolveClass(null));
        var volume = await _f.CreateAsync("pvc-del");
        Lvm.ResetCalls();

        await Engine.DeleteAsync(volume.Id.ToString(), default);

        Assert.Equal([LvmOperation.ChangeTagsIf, LvmOperation.RemoveVolumeIf], Operations);
        Assert.Contains($"discard {volume.DevicePath}", _f.Fs.Changes);
        Assert.Null(await _f.LvAsync(volume));
        Assert.Equal(before, Engine.GetCapacity(Engine.ResolveClass(null)));
        Assert.Empty(Engine.Catalog.Known());
    }

    [Fact]
    public async Task DeleteAsync_ClassWithoutDiscard_RemovedWithoutDiscard()
    {
        var volume = await _f.CreateAsync("pvc-keep", deviceClass: "keep");

        await Engine.DeleteAsync(volume.Id.ToString(), default);

        Assert.DoesNotContain(_f.Fs.Changes, c => c.StartsWith("discard", StringComparison.Ordinal));
        Assert.Null(await _f.LvAsync(volume));
    }

    [Fact]
    public async Task DeleteAsync_DeviceTakesNoDiscards_RemovedAllTheSame()
    {
        var volume = await _f.CreateAsync("pvc-hdd");
        _f.Fs.DiscardAnswer = DiscardOutcome.NotSupported;

        await Engine.DeleteAsync(volume.Id.ToString(), default);

        Assert.Null(await _f.LvAsync(volume));
    }

    [Fact]
    public async Task DeleteAsync_LvOpen_FailedPreconditionAndNothingTouched()
    {
        var volume = await _f.CreateAsync("pvc-open");
        Lvm.SetOpen("stratum", volume.Lv.Name, true);

        var ex = await Assert.ThrowsAsync<VolumeException>(() => Engine.DeleteAsync(volume.Id.ToString(), default));

        Assert.Equal(VolumeError.FailedPrecondition, ex.Error);
        Assert.Contains("in use", ex.Message, StringComparison.Ordinal);
        Assert.Contains(VolumeMetadata.ReadyTag, (await _f.LvAsync(volume))!.Tags);
        Assert.DoesNotContain(_f.Fs.Changes, c => c.StartsWith("discard", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeleteAsync_VolumeWithASnapshot_FailedPreconditionAndNothingTouched()
    {
        var volume = await _f.CreateAsync("pvc-origin");
        await Lvm.Admin.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "stratum", Origin = volume.Lv.Name, Name = "admins-snap", SizeBytes = 64 * Mi }, default);

        var ex = await Assert.ThrowsAsync<VolumeException>(() => Engine.DeleteAsync(volume.Id.ToString(), default));

        Assert.Equal(VolumeError.FailedPrecondition, ex.Error);
        Assert.Contains("snapshots", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(await Lvm.Admin.GetLogicalVolumeAsync("stratum", "admins-snap", default));
        Assert.Contains(VolumeMetadata.ReadyTag, (await _f.LvAsync(volume))!.Tags);
        Assert.DoesNotContain(_f.Fs.Changes, c => c.StartsWith("discard", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeleteAsync_InterruptedBeforeLvremove_NeverServedAndTheRetryFinishes()
    {
        var volume = await _f.CreateAsync("pvc-crash");
        Lvm.FailNext(LvmOperation.RemoveVolumeIf, new LvmTimeoutException("lvm lvremove did not finish", ["lvm", "lvremove"], null, null));

        var first = await Assert.ThrowsAsync<VolumeException>(() => Engine.DeleteAsync(volume.Id.ToString(), default));
        var lv = await _f.LvAsync(volume);
        var engine = await RestartAsync();
        var served = await engine.GetAsync(volume.Id.ToString(), default);
        await engine.DeleteAsync(volume.Id.ToString(), default);

        Assert.Equal(VolumeError.Unavailable, first.Error);
        Assert.Contains(VolumeMetadata.DeletingTag, lv!.Tags);
        Assert.Null(served);
        Assert.Null(await _f.LvAsync(volume));
    }

    [Fact]
    public async Task DeleteAsync_AlreadyGone_SucceedsWithOneLookup()
    {
        var volume = await _f.CreateAsync("pvc-twice");
        await Engine.DeleteAsync(volume.Id.ToString(), default);
        Lvm.ResetCalls();

        await Engine.DeleteAsync(volume.Id.ToString(), default);

        Assert.Equal([LvmOperation.GetLogicalVolume], Operations);
    }

    [Fact]
    public async Task DeleteAsync_SameNameNowAnotherLv_SucceedsAndLeavesTheNewOne()
    {
        var old = await _f.CreateAsync("pvc-reused");
        await Engine.DeleteAsync(old.Id.ToString(), default);
        var renewed = await _f.CreateAsync("pvc-reused");

        await Engine.DeleteAsync(old.Id.ToString(), default);

        Assert.NotNull(await _f.LvAsync(renewed));
    }

    [Fact]
    public async Task DeleteAsync_LvWithTheUuidButNotOurs_FailedPrecondition()
    {
        var foreign = await Lvm.Admin.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "stratum", Name = "admins", SizeBytes = Gi }, default);

        var ex = await Assert.ThrowsAsync<VolumeException>(() => Engine.DeleteAsync(new VolumeId("stratum", "admins", foreign.Uuid).ToString(), default));

        Assert.Equal(VolumeError.FailedPrecondition, ex.Error);
        Assert.NotNull(await Lvm.Admin.GetLogicalVolumeAsync("stratum", "admins", default));
    }

    [Fact]
    public async Task DeleteAsync_LvmLockHeldElsewhere_Unavailable()
    {
        var volume = await _f.CreateAsync("pvc-busy-vg");
        Lvm.FailNext(LvmOperation.ChangeTagsIf, new LvmLockedException("lvm lvchange failed with exit code 5: Giving up waiting for lock.", ["lvm", "lvchange"], 5, "Giving up waiting for lock."));

        var ex = await Assert.ThrowsAsync<VolumeException>(() => Engine.DeleteAsync(volume.Id.ToString(), default));

        Assert.Equal(VolumeError.Unavailable, ex.Error);
        Assert.Contains(VolumeMetadata.ReadyTag, (await _f.LvAsync(volume))!.Tags);
    }

    // ================================================================ capacity

    [Fact]
    public async Task GetCapacity_AfterCreateAndDelete_FollowsWithoutExtraCommands()
    {
        var before = Engine.GetCapacity(Engine.ResolveClass(null)).AvailableBytes;

        var volume = await _f.CreateAsync("pvc-cap", 3 * Gi);
        var during = Engine.GetCapacity(Engine.ResolveClass(null)).AvailableBytes;
        Lvm.ResetCalls();
        await Engine.DeleteAsync(volume.Id.ToString(), default);
        var after = Engine.GetCapacity(Engine.ResolveClass(null)).AvailableBytes;

        Assert.Equal(before - (3 * Gi), during);
        Assert.Equal(before, after);
        Assert.DoesNotContain(LvmOperation.Report, Operations);
    }

    [Fact]
    public async Task CapacityRefresh_IdleNode_OneReport()
    {
        Lvm.ResetCalls();

        await _f.Composed.Capacity.RefreshAsync(default);

        Assert.Equal([LvmOperation.Report], Operations);
    }

    [Fact]
    public async Task CapacityRefresh_LvRemovedBehindOurBack_CatalogForgetsIt()
    {
        var volume = await _f.CreateAsync("pvc-gone");
        await Lvm.Admin.RemoveVolumeAsync("stratum", volume.Lv.Name, default);

        await _f.Composed.Capacity.RefreshAsync(default);

        Assert.Empty(Engine.Catalog.Known());
    }
}
