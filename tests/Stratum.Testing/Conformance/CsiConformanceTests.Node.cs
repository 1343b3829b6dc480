using Stratum.Csi;
using Stratum.Csi.V1;
using Stratum.Testing.Lvm;
using Stratum.Volumes.Platform;
using AccessMode = Stratum.Csi.V1.VolumeCapability.Types.AccessMode.Types.Mode;
using NodeType = Stratum.Csi.V1.NodeServiceCapability.Types.RPC.Types.Type;
using Unit = Stratum.Csi.V1.VolumeUsage.Types.Unit;

namespace Stratum.Testing.Conformance;

public abstract partial class CsiConformanceTests
{
    // ================================================================ NodeGetInfo, NodeGetCapabilities

    [Fact]
    public async Task NodeGetInfo_Running_ReturnsTheNodeIdAndItsTopology()
    {
        var info = await CallAsync<NodeGetInfoResponse>(new NodeGetInfoRequest());

        Assert.Equal(ConformanceFixture.NodeId, info.NodeId);
        var segment = Assert.Single(info.AccessibleTopology.Segments);
        Assert.Equal("topology.lvm.stratum.dev/node", segment.Key);
        Assert.Equal(CsiTopology.NodeKey, segment.Key);
        Assert.Equal(ConformanceFixture.NodeId, segment.Value);
    }

    [Fact]
    public async Task NodeGetCapabilities_Running_OffersStagingExpansionStatsAndCondition()
    {
        var response = await CallAsync<NodeGetCapabilitiesResponse>(new NodeGetCapabilitiesRequest());

        Assert.Equal(
            new HashSet<NodeType> { NodeType.StageUnstageVolume, NodeType.ExpandVolume, NodeType.GetVolumeStats, NodeType.VolumeCondition, NodeType.SingleNodeMultiWriter },
            response.Capabilities.Select(c => c.Rpc.Type).ToHashSet());
    }

    // ================================================================ stage, publish, stats, unpublish, unstage

    [Theory]
    [InlineData("ext4")]
    [InlineData("xfs")]
    [InlineData("btrfs")]
    public async Task NodeStageAndPublish_Filesystem_MountsFormatsBindsAndUndoesIt(string fsType)
    {
        var capability = Requests.Mount(fsType, AccessMode.SingleNodeWriter, "noatime");
        var volume = await CreateVolumeAsync(Name("fs-" + fsType), 64 * MiB, capability); // xfs and btrfs: their minimum
        var lv = (await LvAsync(volume.VolumeId))!;
        string staging = Staging("v"), target = Target("rw"), readOnlyTarget = Target("ro");

        await StageAsync(volume.VolumeId, staging, capability);
        var staged = Assert.Single(Mounts.Below(staging));
        Assert.Equal(fsType, staged.FsType);
        Assert.Equal(((uint)lv.KernelMajor!.Value, (uint)lv.KernelMinor!.Value), Mounts.DeviceOf(staged));
        Assert.Contains("noatime", staged.Options.Split(','));

        await PublishAsync(volume.VolumeId, staging, target, capability);
        await PublishAsync(volume.VolumeId, staging, readOnlyTarget, capability, readOnly: true);
        var published = Assert.Single(Mounts.Below(target));
        Assert.Equal(Mounts.DeviceOf(staged), Mounts.DeviceOf(published));
        Assert.False(published.IsReadOnly);
        Assert.True(Assert.Single(Mounts.Below(readOnlyTarget)).IsReadOnly);

        await File.WriteAllTextAsync(Path.Combine(target, "hello"), "stratum");
        Assert.Equal("stratum", await File.ReadAllTextAsync(Path.Combine(staging, "hello")));
        Assert.Equal("stratum", await File.ReadAllTextAsync(Path.Combine(readOnlyTarget, "hello")));
        var refused = Record.Exception(() => File.WriteAllText(Path.Combine(readOnlyTarget, "nope"), "x"));
        Assert.True(refused is IOException or UnauthorizedAccessException, $"writing through the read-only publish: {refused?.GetType().Name ?? "no error"}");

        var stats = await StatsAsync(volume.VolumeId, target);
        var bytes = Assert.Single(stats.Usage, u => u.Unit == Unit.Bytes);
        Assert.InRange(bytes.Total, volume.CapacityBytes / 2, volume.CapacityBytes);
        Assert.InRange(bytes.Available, 1, bytes.Total);
        Assert.InRange(bytes.Used, 1, bytes.Total);
        var inodes = Assert.Single(stats.Usage, u => u.Unit == Unit.Inodes);
        if (fsType != "btrfs")
        {
            Assert.True(inodes.Total > 0 && inodes.Used >= 2 && inodes.Available > 0, inodes.ToString());
        }

        Assert.False(stats.VolumeCondition.Abnormal, stats.VolumeCondition.Message);

        await UnpublishAsync(volume.VolumeId, readOnlyTarget);
        await UnpublishAsync(volume.VolumeId, target);
        Assert.False(Path.Exists(target), $"{target} was left behind");
        Assert.False(Path.Exists(readOnlyTarget), $"{readOnlyTarget} was left behind");
        await UnstageAsync(volume.VolumeId, staging);
        Assert.Empty(Mounts.Below(TestDirectory));
        await DeleteVolumeAsync(volume.VolumeId);
        Assert.Null(await LvAsync(volume.VolumeId));
    }

    [Fact]
    public async Task NodeStageAndPublish_Block_BindsTheDeviceNodeAndUndoesIt()
    {
        var volume = await CreateVolumeAsync(Name("blk"), 12 * MiB, Requests.Block());
        var lv = (await LvAsync(volume.VolumeId))!;
        string staging = Staging("b"), target = Target("b");

        await StageAsync(volume.VolumeId, staging, Requests.Block());
        Assert.Empty(Mounts.Below(staging));
        await PublishAsync(volume.VolumeId, staging, target, Requests.Block());

        var node = FileStatus.StatFollow(target);
        Assert.Equal(FileKind.BlockDevice, node.Kind);
        Assert.Equal(((uint)lv.KernelMajor!.Value, (uint)lv.KernelMinor!.Value), (node.DeviceMajor, node.DeviceMinor));
        Assert.Equal(volume.CapacityBytes, DeviceSize(target));
        var stats = await StatsAsync(volume.VolumeId, target);
        Assert.Equal(volume.CapacityBytes, Assert.Single(stats.Usage).Total);
        Assert.Equal(Unit.Bytes, stats.Usage[0].Unit);
        Assert.False(stats.VolumeCondition.Abnormal, stats.VolumeCondition.Message);

        await UnpublishAsync(volume.VolumeId, target);
        Assert.False(Path.Exists(target), $"{target} was left behind");
        await UnstageAsync(volume.VolumeId, staging);
        await DeleteVolumeAsync(volume.VolumeId);
    }

    [Fact]
    public async Task NodeExpandVolume_PublishedBlock_GrowsTheDevice()
    {
        var extent = await ExtentBytesAsync();
        var volume = await CreateVolumeAsync(Name("bgrow"), 2 * extent, Requests.Block());
        string staging = Staging("b"), target = Target("b");
        await StageAsync(volume.VolumeId, staging, Requests.Block());
        await PublishAsync(volume.VolumeId, staging, target, Requests.Block());

        var size = await ExpandAsync(volume.VolumeId, target, 5 * extent, Requests.Block());

        Assert.Equal(5 * extent, size);
        Assert.Equal(5 * extent, (await LvAsync(volume.VolumeId))!.SizeBytes);
        Assert.Equal(5 * extent, DeviceSize(target));
        Assert.Equal(5 * extent, Assert.Single((await StatsAsync(volume.VolumeId, target)).Usage).Total);
        Assert.Equal(5 * extent, (await CallAsync<ControllerGetVolumeResponse>(new ControllerGetVolumeRequest { VolumeId = volume.VolumeId })).Volume.CapacityBytes);
    }

    [Fact]
    public async Task NodeExpandVolume_NoCapabilityGiven_TellsBlockFromFilesystemByWhatIsAtThePath()
    {
        var extent = await ExtentBytesAsync();
        var volume = await CreateVolumeAsync(Name("bgrow2"), 2 * extent, Requests.Block());
        string staging = Staging("b"), target = Target("b");
        await StageAsync(volume.VolumeId, staging, Requests.Block());
        await PublishAsync(volume.VolumeId, staging, target, Requests.Block());

        var size = await ExpandAsync(volume.VolumeId, target, 3 * extent);

        Assert.Equal(3 * extent, size);
        Assert.Equal(3 * extent, DeviceSize(target));
    }

    // ================================================================ idempotency of the node RPCs

    [Fact]
    public async Task NodeStageVolume_Twice_SecondCallChangesNothing()
    {
        var volume = await SharedFilesystemVolumeAsync();
        var staging = Staging("v");
        await StageAsync(volume.VolumeId, staging, Requests.Mount("ext4"));

        await RepeatUnchangedAsync(() => CallAsync<NodeStageVolumeResponse>(Requests.Stage(volume.VolumeId, staging, Requests.Mount("ext4"))));

        Assert.Single(Mounts.Below(staging));
        await UnstageAsync(volume.VolumeId, staging);
    }

    [Fact]
    public async Task NodeStageVolume_Block_TwiceChangesNothing()
    {
        var volume = await SharedBlockVolumeAsync();
        var staging = Staging("b");
        await StageAsync(volume.VolumeId, staging, Requests.Block());

        await RepeatUnchangedAsync(() => CallAsync<NodeStageVolumeResponse>(Requests.Stage(volume.VolumeId, staging, Requests.Block())));

        await UnstageAsync(volume.VolumeId, staging);
    }

    [Fact]
    public async Task NodePublishVolume_Twice_SecondCallChangesNothing()
    {
        var volume = await SharedFilesystemVolumeAsync();
        string staging = Staging("v"), target = Target("v");
        await StageAsync(volume.VolumeId, staging, Requests.Mount());
        await PublishAsync(volume.VolumeId, staging, target, Requests.Mount());

        await RepeatUnchangedAsync(() => CallAsync<NodePublishVolumeResponse>(Requests.Publish(volume.VolumeId, staging, target, Requests.Mount())));

        Assert.Single(Mounts.Below(target));
        await UnpublishAsync(volume.VolumeId, target);
        await UnstageAsync(volume.VolumeId, staging);
    }

    [Fact]
    public async Task NodePublishVolume_BlockTwice_SecondCallChangesNothing()
    {
        var volume = await SharedBlockVolumeAsync();
        string staging = Staging("b"), target = Target("b");
        await StageAsync(volume.VolumeId, staging, Requests.Block());
        await PublishAsync(volume.VolumeId, staging, target, Requests.Block());

        await RepeatUnchangedAsync(() => CallAsync<NodePublishVolumeResponse>(Requests.Publish(volume.VolumeId, staging, target, Requests.Block())));

        Assert.Single(Mounts.Below(target));
        await UnpublishAsync(volume.VolumeId, target);
        await UnstageAsync(volume.VolumeId, staging);
    }

    [Fact]
    public async Task NodeUnpublishVolume_Twice_SecondCallChangesNothing()
    {
        var volume = await SharedFilesystemVolumeAsync();
        string staging = Staging("v"), target = Target("v");
        await StageAsync(volume.VolumeId, staging, Requests.Mount());
        await PublishAsync(volume.VolumeId, staging, target, Requests.Mount());
        await UnpublishAsync(volume.VolumeId, target);

        await RepeatUnchangedAsync(() => CallAsync<NodeUnpublishVolumeResponse>(new NodeUnpublishVolumeRequest { VolumeId = volume.VolumeId, TargetPath = target }));

        Assert.False(Path.Exists(target));
        await UnstageAsync(volume.VolumeId, staging);
    }

    [Fact]
    public async Task NodeUnpublishVolume_NeverPublished_Succeeds()
    {
        var volume = await SharedFilesystemVolumeAsync();

        await RepeatUnchangedAsync(() => CallAsync<NodeUnpublishVolumeResponse>(new NodeUnpublishVolumeRequest { VolumeId = volume.VolumeId, TargetPath = Target("never") }));
    }

    [Fact]
    public async Task NodeUnstageVolume_Twice_SecondCallChangesNothing()
    {
        var volume = await SharedFilesystemVolumeAsync();
        var staging = Staging("v");
        await StageAsync(volume.VolumeId, staging, Requests.Mount());
        await UnstageAsync(volume.VolumeId, staging);

        await RepeatUnchangedAsync(() => CallAsync<NodeUnstageVolumeResponse>(new NodeUnstageVolumeRequest { VolumeId = volume.VolumeId, StagingTargetPath = staging }));

        Assert.Empty(Mounts.Below(staging));
    }

    [Fact]
    public async Task NodeExpandVolume_Twice_SecondCallExtendsNothing()
    {
        var volume = await SharedBlockVolumeAsync();
        var extent = await ExtentBytesAsync();
        string staging = Staging("b"), target = Target("b");
        await StageAsync(volume.VolumeId, staging, Requests.Block());
        await PublishAsync(volume.VolumeId, staging, target, Requests.Block());
        var current = (await LvAsync(volume.VolumeId))!.SizeBytes;
        var mark = Lvm.CallCount;
        var grown = await ExpandAsync(volume.VolumeId, target, current + extent, Requests.Block());
        Assert.Equal(1, Lvm.CountSince(mark, LvmOperation.ExtendVolume));

        var again = await RepeatUnchangedAsync(() => ExpandAsync(volume.VolumeId, target, current + extent, Requests.Block()));

        Assert.Equal(current + extent, grown);
        Assert.Equal(grown, again);
        await UnpublishAsync(volume.VolumeId, target);
        await UnstageAsync(volume.VolumeId, staging);
    }

    [Fact]
    public async Task CreateVolume_Twice_ReturnsTheSameVolumeAndCreatesOneLv()
    {
        var request = Requests.Create(Name("twice"), 8 * MiB, Requests.Block());
        var mark = Lvm.CallCount;
        var first = (await CallAsync<CreateVolumeResponse>(request)).Volume;

        var second = await RepeatUnchangedAsync(async () => (await CallAsync<CreateVolumeResponse>(request)).Volume);

        Assert.Equal(first, second);
        Assert.Equal(1, Lvm.CountSince(mark, LvmOperation.CreateVolume));
    }

    [Fact]
    public async Task CreateVolume_SameNameWithACompatibleRange_ReturnsTheExistingVolume()
    {
        var first = await CreateVolumeAsync(Name("compat"), 8 * MiB, Requests.Block());

        var second = await RepeatUnchangedAsync(() => CreateVolumeAsync(Name("compat"), 4 * MiB, Requests.Block(), limitBytes: 64 * MiB));

        Assert.Equal(first, second);
    }
}
