using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Volumes.Filesystems;
using Stratum.Volumes.Metadata;
using Stratum.Volumes.Naming;
using Stratum.Testing.Lvm;
using Stratum.Volumes.Snapshots;
using static Stratum.Volumes.Tests.Engine.EngineFixture;

namespace Stratum.Volumes.Tests.Engine;

/// <summary>
/// Snapshots, restores and clones on the LVM simulator and the in-memory host, for thin and thick
/// volumes. The fake host's copy carries a device's recorded contents over, so a restored volume
/// is seen to hold what its source held.
/// </summary>
public sealed class SnapshotEngineTests : IAsyncLifetime
{
    private EngineFixture _f = null!;

    public async Task InitializeAsync() => _f = await CreateAsync(extraClasses: ThinVolumeTests.ThinClasses);

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    private VolumeEngine Engine => _f.Engine;

    private SnapshotEngine Snapshots => Engine.Snapshots;

    private async Task<ManagedVolume> VolumeAsync(string name, string deviceClass, long bytes = Gi)
    {
        var volume = await _f.CreateAsync(name, bytes, deviceClass);
        _f.Fs.SetContents(volume.DevicePath, new DeviceContents(false, "xfs", "filesystem"));
        return volume;
    }

    private async Task<ManagedSnapshot> SnapshotAsync(string name, ManagedVolume source)
    {
        var snapshot = await Snapshots.CreateAsync(name, source.Id.ToString(), default);
        await Snapshots.WhenCopiedAsync(snapshot.Id.ToString());
        return snapshot;
    }

    private async Task<ManagedVolume> RestoreAsync(string name, VolumeSourceKind kind, string id, string deviceClass, long bytes = Gi)
    {
        var volume = await Engine.CreateAsync(new CreateVolumeSpec { Name = name, RequiredBytes = bytes, DeviceClass = deviceClass, Source = new VolumeSource(kind, id) }, default);
        await _f.AddDeviceAsync(volume.Lv.VolumeGroup, volume.Lv.Name);
        return volume;
    }

    private async Task<IReadOnlyList<LogicalVolume>> LvsAsync() => await _f.Lvm.Admin.ListLogicalVolumesAsync("stratum", default);

    // ================================================================ thin

    [Fact]
    public async Task CreateAsync_ThinSource_ThinSnapshotReadyAtOnce()
    {
        var source = await VolumeAsync("vol", "thin");

        var snapshot = await Snapshots.CreateAsync("snap", source.Id.ToString(), default);

        Assert.True(snapshot.IsReady);
        Assert.True(snapshot.Lv.IsThinVolume);
        Assert.Equal((source.Lv.Name, "pool0"), (snapshot.Lv.Origin, snapshot.Lv.Pool));
        Assert.Equal((source.Id.ToString(), Gi, "thin"), (snapshot.Metadata.SourceVolumeId, snapshot.SizeBytes, snapshot.Metadata.DeviceClass));
        Assert.DoesNotContain(await Engine.ListAsync(default), v => v.Lv.Name == snapshot.Lv.Name); // a snapshot is never listed as a volume
    }

    [Fact]
    public async Task CreateAsync_SameNameSameSource_SameSnapshot_OtherSource_AlreadyExists()
    {
        var source = await VolumeAsync("vol", "thin");
        var other = await VolumeAsync("vol2", "thin");
        var first = await Snapshots.CreateAsync("snap", source.Id.ToString(), default);

        var again = await Snapshots.CreateAsync("snap", source.Id.ToString(), default);
        var ex = await Assert.ThrowsAsync<VolumeException>(() => Snapshots.CreateAsync("snap", other.Id.ToString(), default));

        Assert.Equal((first.Id, first.Metadata.CreatedAt), (again.Id, again.Metadata.CreatedAt));
        Assert.Equal(VolumeError.AlreadyExists, ex.Error);
    }

    [Fact]
    public async Task CreateAsync_UnknownSource_NotFound()
    {
        var ex = await Assert.ThrowsAsync<VolumeException>(() => Snapshots.CreateAsync("snap", "stratum:gone-12345678:aaaaaa-bbbb-cccc-dddd-eeee-ffff-gggggg", default));

        Assert.Equal(VolumeError.NotFound, ex.Error);
    }

    // ================================================================ thick

    [Fact]
    public async Task CreateAsync_ThickSource_TaggedReadyOnlyAfterItsPointInTimeIsGone()
    {
        var source = await VolumeAsync("vol", "default");
        _f.Lvm.ResetCalls();

        var snapshot = await SnapshotAsync("snap", source);

        var calls = _f.Lvm.Calls.ToList();
        var pit = $"stratum/{LogicalVolumeNaming.PointInTimeFor(snapshot.Lv.Name)}";
        var dropped = calls.FindLastIndex(c => c.Operation == LvmOperation.RemoveVolumeIf && c.Target == pit);
        var ready = calls.FindLastIndex(c => c.Operation == LvmOperation.ChangeTagsIf && c.Target == snapshot.Lv.FullName);
        Assert.InRange(dropped, 0, ready - 1);
        Assert.Equal(ready, calls.Count - 1); // nothing after: once ready, the snapshot changes the VG no more
    }

    [Fact]
    public async Task CreateAsync_ThickSource_NotReadyUntilCopied_ThenIndependentCopyWithoutCow()
    {
        var source = await VolumeAsync("vol", "default");
        _f.Fs.FailNext["copy"] = new FilesystemCommandException("dd failed", ["dd"], 1, "boom");

        var snapshot = await SnapshotAsync("snap", source);
        Assert.False(snapshot.IsReady);
        Assert.False((await Snapshots.ListAsync(default)).Single().IsReady); // the copy failed: still not ready, point in time kept
        Assert.Contains(await LvsAsync(), lv => lv.Name == LogicalVolumeNaming.PointInTimeFor(snapshot.Lv.Name));

        var retried = await SnapshotAsync("snap", source); // a retry restarts the copy
        Assert.Equal(snapshot.Id, retried.Id);

        var ready = Assert.Single(await Snapshots.ListAsync(default));
        Assert.True(ready.IsReady);
        Assert.False(ready.Lv.IsSnapshot); // an independent LV
        Assert.DoesNotContain(await LvsAsync(), lv => lv.Name.EndsWith(".pit", StringComparison.Ordinal));
        Assert.False((await _f.LvAsync(source))!.IsCowOrigin); // no copy-on-write left on the source
    }

    [Fact]
    public async Task DeleteAsync_ThickSnapshotStillCopying_StopsTheCopyAndRemovesItWithItsPointInTime()
    {
        var source = await VolumeAsync("vol", "default");
        _f.Fs.CopyHold = new TaskCompletionSource();
        var snapshot = await Snapshots.CreateAsync("snap", source.Id.ToString(), default);
        Assert.False(snapshot.IsReady);

        await Snapshots.DeleteAsync(snapshot.Id.ToString(), default).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, _f.Fs.CopiesStopped);
        Assert.True(Snapshots.WhenCopiedAsync(snapshot.Id.ToString()).IsCompleted);
        Assert.Empty(await Snapshots.ListAsync(default));
        Assert.DoesNotContain(await LvsAsync(), lv => lv.Name == snapshot.Lv.Name || lv.Name.EndsWith(".pit", StringComparison.Ordinal));
        Assert.False((await _f.LvAsync(source))!.IsCowOrigin);
        await Engine.DeleteAsync(source.Id.ToString(), default); // nothing hangs on the source any more
    }

    [Fact]
    public async Task DeleteVolume_SourceOfASnapshotStillCopying_WaitsForTheCopyAndTheSnapshotStaysValid()
    {
        var source = await VolumeAsync("vol", "default");
        _f.Fs.CopyHold = new TaskCompletionSource();
        var snapshot = await Snapshots.CreateAsync("snap", source.Id.ToString(), default);

        var delete = Engine.DeleteAsync(source.Id.ToString(), default);
        await Task.Delay(200);
        Assert.False(delete.IsCompleted); // the snapshot's point in time still hangs on the source
        Assert.NotNull(await _f.LvAsync(source));

        _f.Fs.CopyHold.SetResult();
        await delete.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Null(await _f.LvAsync(source));
        var ready = Assert.Single(await Snapshots.ListAsync(default));
        Assert.Equal((snapshot.Id, true), (ready.Id, ready.IsReady));
        Assert.Equal(0, _f.Fs.CopiesStopped);
    }

    [Fact]
    public async Task DeleteVolume_SourceOfASnapshotStillCopying_CallerGivesUp_VolumeKept()
    {
        var source = await VolumeAsync("vol", "default");
        _f.Fs.CopyHold = new TaskCompletionSource();
        await Snapshots.CreateAsync("snap", source.Id.ToString(), default);
        using var gaveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Engine.DeleteAsync(source.Id.ToString(), gaveUp.Token));

        var kept = await _f.LvAsync(source);
        Assert.NotNull(kept);
        Assert.DoesNotContain(VolumeMetadata.DeletingTag, kept.Tags); // untouched: its retry starts afresh
        _f.Fs.CopyHold.SetResult();
    }

    [Fact]
    public async Task DeleteAsync_Snapshot_RemovedAndIdempotent()
    {
        var source = await VolumeAsync("vol", "default");
        var snapshot = await SnapshotAsync("snap", source);

        await Snapshots.DeleteAsync(snapshot.Id.ToString(), default);
        await Snapshots.DeleteAsync(snapshot.Id.ToString(), default);
        await Snapshots.DeleteAsync("not-an-id", default);

        Assert.Empty(await Snapshots.ListAsync(default));
        Assert.DoesNotContain(await LvsAsync(), lv => lv.Name == snapshot.Lv.Name);
    }

    [Fact]
    public async Task DeleteAsync_VolumeId_RefusedNotRemoved()
    {
        var source = await VolumeAsync("vol", "default");

        var ex = await Assert.ThrowsAsync<VolumeException>(() => Snapshots.DeleteAsync(source.Id.ToString(), default));

        Assert.Equal(VolumeError.FailedPrecondition, ex.Error);
        Assert.NotNull(await _f.LvAsync(source));
    }

    // ================================================================ restore and clone

    [Theory]
    [InlineData("thin")]
    [InlineData("default")]
    public async Task RestoreAfterSourceDeleted_VolumeHoldsTheSnapshotsContent(string deviceClass)
    {
        var source = await VolumeAsync("vol", deviceClass);
        var snapshot = await SnapshotAsync("snap", source);
        var xfs = new DeviceContents(false, "xfs", "filesystem");
        _f.Fs.SetContents(snapshot.DevicePath, xfs); // the fake host cannot see through LVM's snapshots: what the snapshot shows
        _f.Fs.SetContents(source.DevicePath, DeviceContents.Blank); // overwritten after the snapshot
        await Engine.DeleteAsync(source.Id.ToString(), default);

        var restored = await RestoreAsync("restored", VolumeSourceKind.Snapshot, snapshot.Id.ToString(), deviceClass, 2 * Gi);

        Assert.Equal(2 * Gi, restored.CapacityBytes);
        Assert.Equal($"snapshot:{snapshot.Id}", restored.Metadata.Source);
        Assert.True(restored.IsReady);
        if (deviceClass == "thin")
        {
            Assert.Equal(snapshot.Lv.Name, restored.Lv.Origin); // a thin snapshot of the snapshot
        }
        else
        {
            Assert.Contains($"copy {snapshot.DevicePath} {restored.DevicePath} {Gi}", _f.Fs.Changes);
        }

        _f.Fs.SetContents(restored.DevicePath, xfs); // carried over by the copy (thick); shared blocks (thin)

        // The first stage mounts what was restored and grows it to the larger volume.
        await _f.Node.StageAsync(new StageSpec(restored.Id.ToString(), "/stage-r", false, "xfs", []), default);
        Assert.Contains(_f.Fs.Changes, c => c.StartsWith("grow", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CloneAsync_ThickVolume_CopiedThroughAPointInTimeThatIsDropped()
    {
        var source = await VolumeAsync("vol", "default");

        var clone = await RestoreAsync("clone", VolumeSourceKind.Volume, source.Id.ToString(), "default");

        Assert.Equal($"volume:{source.Id}", clone.Metadata.Source);
        Assert.Contains(_f.Fs.Changes, c => c.StartsWith("copy ", StringComparison.Ordinal) && c.EndsWith($"{clone.DevicePath} {Gi}", StringComparison.Ordinal));
        Assert.DoesNotContain(await LvsAsync(), lv => lv.Name.EndsWith(".pit", StringComparison.Ordinal));
        Assert.False((await _f.LvAsync(source))!.IsCowOrigin);
    }

    [Fact]
    public async Task CloneAsync_ThinVolume_ThinSnapshotOfTheSource()
    {
        var source = await VolumeAsync("vol", "thin");

        var clone = await RestoreAsync("clone", VolumeSourceKind.Volume, source.Id.ToString(), "thin");

        Assert.Equal((source.Lv.Name, true), (clone.Lv.Origin, clone.Lv.IsActive));
    }

    [Fact]
    public async Task RestoreAsync_SmallerThanSnapshot_OutOfRange()
    {
        var source = await VolumeAsync("vol", "thin", 2 * Gi);
        var snapshot = await SnapshotAsync("snap", source);

        var ex = await Assert.ThrowsAsync<VolumeException>(() => RestoreAsync("r", VolumeSourceKind.Snapshot, snapshot.Id.ToString(), "thin", Gi));

        Assert.Equal(VolumeError.OutOfRange, ex.Error);
    }

    [Fact]
    public async Task RestoreAsync_ClassOfAnotherVolumeGroup_InvalidArgumentSayingWhy()
    {
        var source = await VolumeAsync("vol", "default");
        var snapshot = await SnapshotAsync("snap", source);

        var ex = await Assert.ThrowsAsync<VolumeException>(() => RestoreAsync("r", VolumeSourceKind.Snapshot, snapshot.Id.ToString(), "thick-other"));

        Assert.Equal(VolumeError.InvalidArgument, ex.Error);
        Assert.Contains("volume group stratum", ex.Message);
    }

    [Fact]
    public async Task RestoreAsync_SourceNotOnThisNode_NotFound()
    {
        var ex = await Assert.ThrowsAsync<VolumeException>(() =>
            RestoreAsync("r", VolumeSourceKind.Snapshot, "stratum:snap-x-12345678:aaaaaa-bbbb-cccc-dddd-eeee-ffff-gggggg", "default"));

        Assert.Equal(VolumeError.NotFound, ex.Error);
        Assert.Contains("node n1", ex.Message);
    }

    [Fact]
    public async Task CreateAsync_SameNameOtherSource_AlreadyExists()
    {
        var source = await VolumeAsync("vol", "thin");
        await RestoreAsync("clone", VolumeSourceKind.Volume, source.Id.ToString(), "thin");

        var ex = await Assert.ThrowsAsync<VolumeException>(() => Engine.CreateAsync(new CreateVolumeSpec { Name = "clone", RequiredBytes = Gi, DeviceClass = "thin" }, default));

        Assert.Equal(VolumeError.AlreadyExists, ex.Error);
    }

    // ================================================================ encrypted sources

    [Theory]
    [InlineData("thin")]
    [InlineData("default")]
    public async Task SnapshotRestoreAndClone_EncryptedSource_StayEncryptedWhateverTheRequestSays(string deviceClass)
    {
        var source = await _f.CreateAsync("vol", Gi, deviceClass, encryption: VolumeMetadata.Luks2);

        var snapshot = await SnapshotAsync("snap", source);
        var restored = await RestoreAsync("restored", VolumeSourceKind.Snapshot, snapshot.Id.ToString(), deviceClass);
        var clone = await RestoreAsync("clone", VolumeSourceKind.Volume, source.Id.ToString(), deviceClass);
        var retried = await Engine.CreateAsync(new CreateVolumeSpec { Name = "clone", RequiredBytes = Gi, DeviceClass = deviceClass, Source = new VolumeSource(VolumeSourceKind.Volume, source.Id.ToString()) }, default);

        Assert.Equal(VolumeMetadata.Luks2, snapshot.Metadata.Encryption);
        Assert.Equal(VolumeMetadata.Luks2, (await Snapshots.FindAsync(snapshot.Id, default))!.Metadata.Encryption); // read back from the tags
        Assert.Equal((VolumeMetadata.Luks2, VolumeMetadata.Luks2), (restored.Metadata.Encryption, clone.Metadata.Encryption));
        Assert.Equal(clone.Id, retried.Id); // a retry of the same request is the same volume, not ALREADY_EXISTS
    }

    [Fact]
    public async Task RestoreAsync_PlainSnapshotIntoEncryptedRequest_InvalidArgumentNothingCreated()
    {
        var source = await VolumeAsync("vol", "thin");
        var snapshot = await SnapshotAsync("snap", source);
        var before = (await LvsAsync()).Count;

        var ex = await Assert.ThrowsAsync<VolumeException>(() => Engine.CreateAsync(
            new CreateVolumeSpec { Name = "r", RequiredBytes = Gi, DeviceClass = "thin", Encryption = VolumeMetadata.Luks2, Source = new VolumeSource(VolumeSourceKind.Snapshot, snapshot.Id.ToString()) }, default));

        Assert.Equal(VolumeError.InvalidArgument, ex.Error);
        Assert.Contains("not encrypted", ex.Message);
        Assert.Equal(before, (await LvsAsync()).Count);
    }

    // ================================================================ expansion and restarts

    [Fact]
    public async Task ExpandAsync_ThickVolumeWithSnapshot_Grows()
    {
        var source = await VolumeAsync("vol", "default");
        await SnapshotAsync("snap", source);
        _f.Fs.CreateDirectory("/stage");
        await _f.Fs.MountAsync(source.DevicePath, "/stage", FileSystemType.Xfs, [], default);

        var grown = await _f.Node.ExpandAsync(new ExpandSpec(source.Id.ToString(), "/stage", 2 * Gi, 0, false), default);

        Assert.Equal(2 * Gi, grown);
    }

    [Fact]
    public async Task ResumeAsync_InterruptedCopy_FinishedWhenItsPointInTimeExists_RemovedWhenNot()
    {
        var source = await VolumeAsync("vol", "default");
        var other = await VolumeAsync("vol2", "default");
        _f.Fs.FailNext["copy"] = new FilesystemCommandException("killed", ["dd"], 137, "");
        var resumable = await SnapshotAsync("a", source);
        _f.Fs.FailNext["copy"] = new FilesystemCommandException("killed", ["dd"], 137, "");
        var lost = await SnapshotAsync("b", other);
        await _f.Lvm.Admin.RemoveVolumeAsync("stratum", LogicalVolumeNaming.PointInTimeFor(lost.Lv.Name), default);

        var restarted = NodeEngine.Create(_f.Lvm, _f.Fs, () => Engine.Classes, new VolumeEngineOptions { NodeId = "n1" }, NullLoggerFactory.Instance);
        await restarted.StartAsync(default);
        await restarted.Volumes.Snapshots.WhenCopiedAsync(resumable.Id.ToString());

        var left = Assert.Single(await restarted.Volumes.Snapshots.ListAsync(default));
        Assert.Equal((resumable.Id, true), (left.Id, left.IsReady));
        Assert.DoesNotContain(await LvsAsync(), lv => lv.Name == lost.Lv.Name || lv.Name.EndsWith(".pit", StringComparison.Ordinal));
        await restarted.DisposeAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ResumeAsync_CopyCompleteButNotYetReady_FinishedWithTheSameIdWithoutCopyingAgain(bool pointInTimeLeft)
    {
        // A crash after the copy was tagged complete: before or after its point in time was dropped, before the ready tag.
        var source = await VolumeAsync("vol", "default");
        var taken = await SnapshotAsync("a", source);
        await _f.Lvm.Admin.ChangeTagsAsync("stratum", taken.Lv.Name, [VolumeMetadata.CreatingTag, SnapshotMetadata.CopiedTag], [VolumeMetadata.ReadyTag], default);
        if (pointInTimeLeft)
        {
            await _f.Lvm.Admin.CreateSnapshotAsync(new CreateSnapshotRequest
            {
                VolumeGroup = "stratum", Origin = source.Lv.Name, Name = LogicalVolumeNaming.PointInTimeFor(taken.Lv.Name), SizeBytes = Gi,
                Tags = [VolumeMetadata.OwnerTag, SnapshotMetadata.PointInTimeTag],
            }, default);
        }

        _f.Fs.FailNext["copy"] = new FilesystemCommandException("dd failed", ["dd"], 1, "a second copy"); // none may run

        var restarted = NodeEngine.Create(_f.Lvm, _f.Fs, () => Engine.Classes, new VolumeEngineOptions { NodeId = "n1" }, NullLoggerFactory.Instance);
        await restarted.StartAsync(default);
        await restarted.Volumes.Snapshots.WhenCopiedAsync(taken.Id.ToString());

        var left = Assert.Single(await restarted.Volumes.Snapshots.ListAsync(default));
        Assert.Equal((taken.Id, true), (left.Id, left.IsReady));
        Assert.DoesNotContain(SnapshotMetadata.CopiedTag, left.Lv.Tags);
        Assert.DoesNotContain(await LvsAsync(), lv => lv.Name.EndsWith(".pit", StringComparison.Ordinal));
        Assert.True(_f.Fs.FailNext.ContainsKey("copy"));
        await restarted.DisposeAsync();
    }

    [Fact]
    public async Task CreateAsync_RetryOfACompleteCopyNotYetReady_SameSnapshotMadeReady()
    {
        var source = await VolumeAsync("vol", "default");
        var taken = await SnapshotAsync("a", source);
        await _f.Lvm.Admin.ChangeTagsAsync("stratum", taken.Lv.Name, [VolumeMetadata.CreatingTag, SnapshotMetadata.CopiedTag], [VolumeMetadata.ReadyTag], default);

        var retried = await SnapshotAsync("a", source);

        Assert.Equal(taken.Id, retried.Id);
        Assert.True(Assert.Single(await Snapshots.ListAsync(default)).IsReady);
    }

    [Fact]
    public async Task ResumeAsync_LeftoverPointInTimeOfAClone_Removed()
    {
        var source = await VolumeAsync("vol", "default");
        await _f.Lvm.Admin.CreateSnapshotAsync(new CreateSnapshotRequest
        {
            VolumeGroup = "stratum", Origin = source.Lv.Name, Name = "clone-12345678.pit", SizeBytes = Gi,
            Tags = [VolumeMetadata.OwnerTag, SnapshotMetadata.PointInTimeTag],
        }, default);

        await Engine.StartAsync(default);

        Assert.DoesNotContain(await LvsAsync(), lv => lv.Name.EndsWith(".pit", StringComparison.Ordinal));
    }
}
