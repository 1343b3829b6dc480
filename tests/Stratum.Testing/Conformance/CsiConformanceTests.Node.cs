using Stratum.Csi;
using Stratum.Csi.V1;
using Stratum.Testing.Lvm;
using Stratum.Volumes.Naming;
using Stratum.Platform;
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
        var mark = await SettledMarkAsync();
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
        var mark = await SettledMarkAsync();
        var first = (await CallAsync<CreateVolumeResponse>(request)).Volume;

        var second = await RepeatUnchangedAsync(async () => (await CallAsync<CreateVolumeResponse>(request)).Volume);

        Assert.Equal(first, second);
        Assert.Equal(1, Lvm.CountSince(mark, LvmOperation.CreateVolumeWithoutReadBack));
    }

    [Fact]
    public async Task CreateVolume_SameNameWithACompatibleRange_ReturnsTheExistingVolume()
    {
        var existing = await SharedBlockVolumeAsync();
        var size = (await LvAsync(existing.VolumeId))!.SizeBytes;

        var again = await RepeatUnchangedAsync(() => CreateVolumeAsync(SharedBlockName, 4 * MiB, Requests.Block(), limitBytes: size + (64 * MiB)));

        Assert.Equal(existing.VolumeId, again.VolumeId);
        Assert.Equal(size, again.CapacityBytes);
    }

    // ================================================================ NodeGetVolumeStats condition

    [Fact]
    public async Task NodeGetVolumeStats_VolumeNotMountedAtThePath_IsAbnormalWithoutUsage()
    {
        var volume = await SharedFilesystemVolumeAsync();
        var path = Target("unmounted");
        Directory.CreateDirectory(path);

        var stats = await CallAsync<NodeGetVolumeStatsResponse>(new NodeGetVolumeStatsRequest { VolumeId = volume.VolumeId, VolumePath = path });

        Assert.True(stats.VolumeCondition.Abnormal);
        Assert.Contains("not mounted", stats.VolumeCondition.Message, StringComparison.Ordinal);
        Assert.Empty(stats.Usage);
    }

    [Fact]
    public async Task NodeGetVolumeStats_LvGoneButPathStillMountedFromItsDevice_IsAbnormalNotNotFound()
    {
        // LVM lost the LV underneath a mount (what a pulled disk leaves behind). A tmpfs whose
        // source is the LV's device-mapper node stands in for the orphaned mount.
        var id = new VolumeId(VolumeGroup, "gone-" + Guid.NewGuid().ToString("N")[..8], "AAAAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGGGG");
        var path = Target("orphan");
        Directory.CreateDirectory(path);
        var source = $"/dev/mapper/{id.VolumeGroup.Replace("-", "--", StringComparison.Ordinal)}-{id.LogicalVolume.Replace("-", "--", StringComparison.Ordinal)}";
        await Mounts.MountTmpfsAsync(source, path);
        var before = Lvm.Calls.Count;
        var mountsBefore = Mounts.Below(TestDirectory);

        var stats = await CallAsync<NodeGetVolumeStatsResponse>(new NodeGetVolumeStatsRequest { VolumeId = id.ToString(), VolumePath = path });

        Assert.True(stats.VolumeCondition.Abnormal);
        Assert.Contains("no longer exists", stats.VolumeCondition.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Lvm.CallsSince(before), c => RecordingLvm.Mutating.Contains(c.Operation));
        Assert.Equal(mountsBefore, Mounts.Below(TestDirectory));
    }
}
