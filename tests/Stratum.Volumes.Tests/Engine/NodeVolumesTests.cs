using Stratum.Testing.Lvm;
using Stratum.Volumes.Filesystems;
using Stratum.Volumes.Metadata;
using Stratum.Volumes.Naming;
using Stratum.Platform;
using static Stratum.Volumes.Tests.Engine.EngineFixture;

namespace Stratum.Volumes.Tests.Engine;

/// <summary>The node side of the engine against an in-memory host (no root, no devices): what it changes, and what it refuses to touch.</summary>
public sealed class NodeVolumesTests : IAsyncLifetime
{
    private const string Staging = "/var/lib/kubelet/staging/v";
    private const string Target = "/var/lib/kubelet/pods/p/v";
    private const string BlockTarget = "/var/lib/kubelet/pods/p/dev/v";

    private EngineFixture _f = null!;

    public async Task InitializeAsync() => _f = await CreateAsync();

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    private NodeVolumes Node => _f.Node;

    private Task StageAsync(ManagedVolume volume, string? fsType = "ext4") =>
        Node.StageAsync(new StageSpec(volume.Id.ToString(), Staging, false, fsType, []), default);

    private Task PublishBlockAsync(ManagedVolume volume, bool readOnly, string target = BlockTarget) =>
        Node.PublishAsync(new PublishSpec(volume.Id.ToString(), Staging, target, Block: true, readOnly), default);

    private async Task FailsAsync(VolumeError error, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<VolumeException>(call);
        Assert.Equal(error, ex.Error);
    }

    // ================================================================ stage / unstage

    [Fact]
    public async Task Stage_BlankDevice_FormatsThenMounts()
    {
        var volume = await _f.CreateAsync("v1");

        await StageAsync(volume);

        Assert.Equal([$"mkfs ext4 {volume.DevicePath}", $"mount {volume.DevicePath} {Staging}"], _f.Fs.Changes);
        Assert.Equal("ext4", Assert.Single(_f.Fs.Mounts).FsType);
    }

    [Fact]
    public async Task Stage_Twice_SecondChangesNothing()
    {
        var volume = await _f.CreateAsync("v1");
        await StageAsync(volume);
        var changes = _f.Fs.Changes.Count;

        await StageAsync(volume);

        Assert.Equal(changes, _f.Fs.Changes.Count);
    }

    [Fact]
    public async Task Stage_DeviceWithTheAskedFilesystem_MountedWithoutFormatting()
    {
        var volume = await _f.CreateAsync("v1");
        _f.Fs.SetContents(volume.DevicePath, new DeviceContents(false, "ext4", "filesystem"));

        await StageAsync(volume);

        Assert.Equal([$"mount {volume.DevicePath} {Staging}"], _f.Fs.Changes);
    }

    [Theory]
    [InlineData("xfs", "filesystem")]
    [InlineData("dos", "partition table")]
    [InlineData("LVM2_member", "raid")]
    public async Task Stage_DeviceHoldingSomethingElse_FailedPreconditionNeverFormatted(string type, string usage)
    {
        var volume = await _f.CreateAsync("v1");
        _f.Fs.SetContents(volume.DevicePath, new DeviceContents(false, type, usage));

        await FailsAsync(VolumeError.FailedPrecondition, () => StageAsync(volume));

        Assert.Empty(_f.Fs.Changes);
    }

    [Fact]
    public async Task Stage_UnknownFilesystem_InvalidArgument()
    {
        var volume = await _f.CreateAsync("v1");

        await FailsAsync(VolumeError.InvalidArgument, () => StageAsync(volume, "zfs"));
    }

    [Fact]
    public async Task Stage_VolumeBeingDeleted_NotFoundAndUntouched()
    {
        var volume = await _f.CreateAsync("v1");
        await _f.Lvm.Admin.ChangeTagsAsync("stratum", volume.Lv.Name, [VolumeMetadata.DeletingTag], [VolumeMetadata.ReadyTag], default);

        await FailsAsync(VolumeError.NotFound, () => StageAsync(volume));

        Assert.Empty(_f.Fs.Changes);
    }

    [Fact]
    public async Task Stage_AnotherDeviceMountedThere_AlreadyExists()
    {
        var volume = await _f.CreateAsync("v1");
        var other = await _f.CreateAsync("v2");
        await StageAsync(other);

        await FailsAsync(VolumeError.AlreadyExists, () => StageAsync(volume));
    }

    [Fact]
    public async Task Stage_MalformedId_NotFound()
    {
        await FailsAsync(VolumeError.NotFound, () => Node.StageAsync(new StageSpec("not-an-id", Staging, false, "ext4", []), default));
    }

    [Fact]
    public async Task Stage_ForbiddenMountFlag_InvalidArgumentNotABug()
    {
        var volume = await _f.CreateAsync("v1");

        await FailsAsync(VolumeError.InvalidArgument, () => Node.StageAsync(new StageSpec(volume.Id.ToString(), Staging, false, "ext4", ["errors=panic"]), default));
    }

    [Fact]
    public async Task Stage_MountFails_InternalWithTheToolsMessage()
    {
        var volume = await _f.CreateAsync("v1");
        _f.Fs.FailNext["mount"] = new FilesystemCommandException("Mounting failed: 'mount' exited with 32: wrong fs type", ["mount"], 32, "wrong fs type");

        var ex = await Assert.ThrowsAsync<VolumeException>(() => StageAsync(volume));

        Assert.Equal(VolumeError.Internal, ex.Error);
        Assert.Contains("wrong fs type", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unstage_Staged_Unmounts()
    {
        var volume = await _f.CreateAsync("v1");
        await StageAsync(volume);

        await Node.UnstageAsync(volume.Id.ToString(), Staging, default);

        Assert.Empty(_f.Fs.Mounts);
    }

    [Fact]
    public async Task Unstage_AnotherVolumeMountedThere_FailedPreconditionAndLeftMounted()
    {
        var volume = await _f.CreateAsync("v1");
        var other = await _f.CreateAsync("v2");
        await StageAsync(other);

        await FailsAsync(VolumeError.FailedPrecondition, () => Node.UnstageAsync(volume.Id.ToString(), Staging, default));

        Assert.Single(_f.Fs.Mounts);
    }

    // ================================================================ publish / unpublish: filesystem

    [Fact]
    public async Task Publish_Staged_BindsTheStagingMount()
    {
        var volume = await _f.CreateAsync("v1");
        await StageAsync(volume);

        await Node.PublishAsync(new PublishSpec(volume.Id.ToString(), Staging, Target, false, true), default);

        Assert.Contains($"bind {Staging} {Target} ro", _f.Fs.Changes);
        Assert.True(MountInfo.FindMountPoint(_f.Fs.Mounts, Target)!.IsReadOnly);
    }

    [Fact]
    public async Task Publish_NotStaged_FailedPrecondition()
    {
        var volume = await _f.CreateAsync("v1");

        await FailsAsync(VolumeError.FailedPrecondition, () => Node.PublishAsync(new PublishSpec(volume.Id.ToString(), Staging, Target, false, false), default));
    }

    [Fact]
    public async Task Publish_PublishedWithTheOtherReadOnlyFlag_AlreadyExists()
    {
        var volume = await _f.CreateAsync("v1");
        await StageAsync(volume);
        await Node.PublishAsync(new PublishSpec(volume.Id.ToString(), Staging, Target, false, false), default);

        await FailsAsync(VolumeError.AlreadyExists, () => Node.PublishAsync(new PublishSpec(volume.Id.ToString(), Staging, Target, false, true), default));
    }

    [Fact]
    public async Task Unpublish_Published_UnmountsAndRemovesTheEmptyDirectory()
    {
        var volume = await _f.CreateAsync("v1");
        await StageAsync(volume);
        await Node.PublishAsync(new PublishSpec(volume.Id.ToString(), Staging, Target, false, false), default);

        await Node.UnpublishAsync(volume.Id.ToString(), Target, default);

        Assert.Null(MountInfo.FindMountPoint(_f.Fs.Mounts, Target));
        Assert.False(_f.Fs.Exists(Target));
    }

    // ================================================================ raw block

    [Fact]
    public async Task PublishBlock_ReadWrite_BindsTheLvsOwnNode()
    {
        var volume = await _f.CreateAsync("v1");

        await PublishBlockAsync(volume, readOnly: false);

        Assert.Equal([$"bind {volume.DevicePath} {BlockTarget}"], _f.Fs.Changes);
        Assert.Equal(((uint)volume.Lv.KernelMajor!, (uint)volume.Lv.KernelMinor!), (_f.Fs.Stat(BlockTarget).DeviceMajor, _f.Fs.Stat(BlockTarget).DeviceMinor));
        Assert.Empty(_f.Fs.MappingNames);
    }

    [Fact]
    public async Task PublishBlock_ReadOnly_BindsAReadOnlyDeviceOverTheLvNamedForVolumeAndTarget()
    {
        var volume = await _f.CreateAsync("v1");
        var name = NodeVolumes.ReadOnlyMappingName(volume.Id, BlockTarget);

        await PublishBlockAsync(volume, readOnly: true);

        var mapping = Assert.Single(_f.Fs.FindMappings(NodeVolumes.ReadOnlyMappingPrefix));
        Assert.Equal(name, mapping.Name);
        Assert.StartsWith($"stratum-ro-{volume.Lv.Name}-", name, StringComparison.Ordinal);
        Assert.Equal([new DeviceNumber((uint)volume.Lv.KernelMajor!, (uint)volume.Lv.KernelMinor!)], mapping.Backing);
        Assert.Equal(volume.CapacityBytes / 512, mapping.Sectors);
        Assert.Contains($"bind /dev/mapper/{name} {BlockTarget} ro", _f.Fs.Changes);
        Assert.Equal(mapping.Device, new DeviceNumber(_f.Fs.Stat(BlockTarget).DeviceMajor, _f.Fs.Stat(BlockTarget).DeviceMinor));
    }

    [Fact]
    public async Task PublishBlock_ReadOnlyTwice_SecondChangesNothing()
    {
        var volume = await _f.CreateAsync("v1");
        await PublishBlockAsync(volume, readOnly: true);
        var changes = _f.Fs.Changes.Count;

        await PublishBlockAsync(volume, readOnly: true);

        Assert.Equal(changes, _f.Fs.Changes.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PublishBlock_PublishedWithTheOtherFlag_AlreadyExistsAndUntouched(bool readOnlyFirst)
    {
        var volume = await _f.CreateAsync("v1");
        await PublishBlockAsync(volume, readOnlyFirst);
        var changes = _f.Fs.Changes.Count;

        await FailsAsync(VolumeError.AlreadyExists, () => PublishBlockAsync(volume, !readOnlyFirst));

        Assert.Equal(changes, _f.Fs.Changes.Count);
    }

    [Fact]
    public async Task PublishBlock_ReadOnlyDeviceLeftByACrashBeforeTheBind_ReusedAndBound()
    {
        var volume = await _f.CreateAsync("v1");
        var name = NodeVolumes.ReadOnlyMappingName(volume.Id, BlockTarget);
        await _f.Fs.CreateReadOnlyMappingAsync(name, new DeviceNumber((uint)volume.Lv.KernelMajor!, (uint)volume.Lv.KernelMinor!), volume.CapacityBytes / 512, default);

        await PublishBlockAsync(volume, readOnly: true);

        Assert.Single(_f.Fs.Changes, c => c.StartsWith("dmsetup create", StringComparison.Ordinal));
        Assert.Contains($"bind /dev/mapper/{name} {BlockTarget} ro", _f.Fs.Changes);
    }

    [Theory]
    [InlineData(FileKind.Directory)]
    [InlineData(FileKind.SymbolicLink)]
    [InlineData(FileKind.CharacterDevice)]
    public async Task PublishBlock_TargetIsNoFile_FailedPreconditionNothingChanged(FileKind kind)
    {
        var volume = await _f.CreateAsync("v1");
        _f.Fs.AddFile(BlockTarget, kind);
        var changes = _f.Fs.Changes.Count;

        await FailsAsync(VolumeError.FailedPrecondition, () => PublishBlockAsync(volume, readOnly: false));

        Assert.Equal(changes, _f.Fs.Changes.Count);
    }

    [Theory]
    [InlineData(FileKind.SymbolicLink)]
    [InlineData(FileKind.Regular)]
    public async Task Stage_StagingPathIsALinkOrAFile_FailedPreconditionNeverFormatted(FileKind kind)
    {
        var volume = await _f.CreateAsync("v1");
        _f.Fs.AddFile(Staging, kind);
        var changes = _f.Fs.Changes.Count;

        await FailsAsync(VolumeError.FailedPrecondition, () => StageAsync(volume));

        Assert.Equal(changes, _f.Fs.Changes.Count); // not even the mkfs of the blank device
    }

    [Theory]
    [InlineData(FileKind.SymbolicLink)]
    [InlineData(FileKind.Regular)]
    public async Task Publish_TargetIsALinkOrAFile_FailedPreconditionNothingMounted(FileKind kind)
    {
        var volume = await _f.CreateAsync("v1");
        await StageAsync(volume);
        _f.Fs.AddFile(Target, kind);
        var changes = _f.Fs.Changes.Count;

        await FailsAsync(VolumeError.FailedPrecondition, () => Node.PublishAsync(new PublishSpec(volume.Id.ToString(), Staging, Target, Block: false, ReadOnly: false), default));

        Assert.Equal(changes, _f.Fs.Changes.Count);
    }

    [Fact]
    public async Task UnpublishBlock_ReadOnly_UnmountsRemovesTheFileAndTheDevice()
    {
        var volume = await _f.CreateAsync("v1");
        await PublishBlockAsync(volume, readOnly: true);

        await Node.UnpublishAsync(volume.Id.ToString(), BlockTarget, default);

        Assert.Empty(_f.Fs.Mounts);
        Assert.False(_f.Fs.Exists(BlockTarget));
        Assert.Empty(_f.Fs.MappingNames);
    }

    [Fact]
    public async Task UnpublishBlock_CrashLeftOnlyTheDevice_RetryRemovesIt()
    {
        var volume = await _f.CreateAsync("v1");
        await PublishBlockAsync(volume, readOnly: true);
        await _f.Fs.UnmountAsync(BlockTarget, default);
        _f.Fs.RemoveIfEmpty(BlockTarget);

        await Node.UnpublishAsync(volume.Id.ToString(), BlockTarget, default);

        Assert.Empty(_f.Fs.MappingNames);
    }

    [Fact]
    public async Task UnpublishBlock_OnlyThisTargetsDeviceGoes()
    {
        var volume = await _f.CreateAsync("v1");
        await PublishBlockAsync(volume, readOnly: true);
        await PublishBlockAsync(volume, readOnly: true, target: BlockTarget + "2");

        await Node.UnpublishAsync(volume.Id.ToString(), BlockTarget, default);

        Assert.Equal([NodeVolumes.ReadOnlyMappingName(volume.Id, BlockTarget + "2")], _f.Fs.MappingNames);
    }

    [Fact]
    public async Task Unpublish_SomethingElseMounted_FailedPreconditionAndUntouched()
    {
        var volume = await _f.CreateAsync("v1");
        var other = await _f.CreateAsync("v2");
        await PublishBlockAsync(other, readOnly: false);

        await FailsAsync(VolumeError.FailedPrecondition, () => Node.UnpublishAsync(volume.Id.ToString(), BlockTarget, default));

        Assert.Single(_f.Fs.Mounts);
    }

    [Fact]
    public async Task Unpublish_NothingThere_Succeeds()
    {
        var volume = await _f.CreateAsync("v1");

        await Node.UnpublishAsync(volume.Id.ToString(), BlockTarget, default);

        Assert.Empty(_f.Fs.Changes);
    }

    // ================================================================ expand

    [Fact]
    public async Task Expand_MountedFilesystem_LvExtendedFilesystemGrownCapacityFollows()
    {
        var volume = await _f.CreateAsync("v1");
        await StageAsync(volume);
        var before = _f.Engine.GetCapacity(_f.Engine.ResolveClass(null)).AvailableBytes;

        var size = await Node.ExpandAsync(new ExpandSpec(volume.Id.ToString(), Staging, 2 * Gi, 0, false), default);

        Assert.Equal(2 * Gi, size);
        Assert.Equal(2 * Gi, (await _f.LvAsync(volume))!.SizeBytes);
        Assert.Contains($"grow ext4 {volume.DevicePath} {Staging}", _f.Fs.Changes);
        Assert.Equal(before - Gi, _f.Engine.GetCapacity(_f.Engine.ResolveClass(null)).AvailableBytes);
    }

    [Fact]
    public async Task Expand_BlockPublishedReadOnly_ReadOnlyDeviceGetsTheNewSize()
    {
        var volume = await _f.CreateAsync("v1");
        await PublishBlockAsync(volume, readOnly: true);

        await Node.ExpandAsync(new ExpandSpec(volume.Id.ToString(), BlockTarget, 2 * Gi, 0, true), default);

        Assert.Equal(2 * Gi / 512, Assert.Single(_f.Fs.FindMappings(NodeVolumes.ReadOnlyMappingPrefix)).Sectors);
    }

    [Fact]
    public async Task Expand_LvAlreadyLargeEnough_FilesystemStillGrown()
    {
        var volume = await _f.CreateAsync("v1");
        await StageAsync(volume);
        await _f.Lvm.Admin.ExtendVolumeAsync("stratum", volume.Lv.Name, 2 * Gi, default); // a crash after lvextend

        await Node.ExpandAsync(new ExpandSpec(volume.Id.ToString(), Staging, 2 * Gi, 0, false), default);

        Assert.Contains($"grow ext4 {volume.DevicePath} {Staging}", _f.Fs.Changes);
    }

    [Fact]
    public async Task Expand_BeyondTheLimit_OutOfRange()
    {
        var volume = await _f.CreateAsync("v1");
        await StageAsync(volume);

        await FailsAsync(VolumeError.OutOfRange, () => Node.ExpandAsync(new ExpandSpec(volume.Id.ToString(), Staging, 2 * Gi, Gi + 1, false), default));
    }

    [Fact]
    public async Task Expand_NotMountedAtThePath_FailedPrecondition()
    {
        var volume = await _f.CreateAsync("v1");
        _f.Fs.CreateDirectory(Staging);

        await FailsAsync(VolumeError.FailedPrecondition, () => Node.ExpandAsync(new ExpandSpec(volume.Id.ToString(), Staging, 2 * Gi, 0, false), default));
    }

    // ================================================================ stats

    [Fact]
    public async Task Stats_Mounted_UsageAndHealthy()
    {
        var volume = await _f.CreateAsync("v1");
        await StageAsync(volume);

        var stats = await Node.StatsAsync(volume.Id.ToString(), Staging, default);

        Assert.False(stats.Abnormal);
        Assert.Equal(1000, stats.Filesystem!.Value.TotalBytes);
    }

    [Fact]
    public async Task Stats_DegradedRaid_Abnormal()
    {
        var volume = await _f.CreateAsync("v1");
        await StageAsync(volume);
        _f.Lvm.SetHealthStatus("stratum", volume.Lv.Name, "partial");

        var stats = await Node.StatsAsync(volume.Id.ToString(), Staging, default);

        Assert.True(stats.Abnormal);
        Assert.Contains("partial", stats.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_ReadOnlyBlockPublish_DeviceSize()
    {
        var volume = await _f.CreateAsync("v1");
        await PublishBlockAsync(volume, readOnly: true);

        var stats = await Node.StatsAsync(volume.Id.ToString(), BlockTarget, default);

        Assert.Equal(volume.CapacityBytes, stats.BlockBytes);
    }

    [Fact]
    public async Task Stats_LvGoneUnderAReadOnlyBlockPublish_AbnormalNotNotFound()
    {
        var volume = await _f.CreateAsync("v1");
        await PublishBlockAsync(volume, readOnly: true);
        await _f.Lvm.Admin.RemoveVolumeAsync("stratum", volume.Lv.Name, default); // LVM lost it underneath

        var stats = await Node.StatsAsync(volume.Id.ToString(), BlockTarget, default);

        Assert.True(stats.Abnormal);
        Assert.Contains("no longer exists", stats.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_PathMissing_NotFound()
    {
        var volume = await _f.CreateAsync("v1");

        await FailsAsync(VolumeError.NotFound, () => Node.StatsAsync(volume.Id.ToString(), "/missing", default));
    }

    // ================================================================ locks

    [Fact]
    public async Task AnyOperation_WhileAnotherRunsOnTheVolume_Busy()
    {
        var volume = await _f.CreateAsync("v1");
        using var gate = _f.Lvm.Hold(LvmOperation.GetLogicalVolume);
        var stage = StageAsync(volume);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(10));

        await FailsAsync(VolumeError.Busy, () => Node.UnstageAsync(volume.Id.ToString(), Staging, default));
        await FailsAsync(VolumeError.Busy, () => _f.Engine.DeleteAsync(volume.Id.ToString(), default));

        gate.Release();
        await stage;
    }
}
