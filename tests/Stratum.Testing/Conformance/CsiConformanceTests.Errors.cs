using Stratum.Config;
using Stratum.Csi;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;
using AccessMode = Stratum.Csi.V1.VolumeCapability.Types.AccessMode.Types.Mode;

namespace Stratum.Testing.Conformance;

public abstract partial class CsiConformanceTests
{
    // ================================================================ NOT_FOUND

    public static TheoryData<string> RpcsOnAMissingVolume => new()
    {
        nameof(ControllerGetVolumeRequest),
        nameof(ValidateVolumeCapabilitiesRequest),
        nameof(NodeStageVolumeRequest),
        nameof(NodePublishVolumeRequest),
        nameof(NodeExpandVolumeRequest),
        nameof(NodeGetVolumeStatsRequest),
        nameof(ControllerModifyVolumeRequest),
    };

    /// <summary>
    /// The RPCs that answer NOT_FOUND for a well-formed id of a volume this node does not have:
    /// all but ControllerModifyVolume, which answers OK (the volume may be another node's; its own
    /// node applies the class; docs/architecture.md, "Changing IO limits").
    /// </summary>
    public static TheoryData<string> RpcsOnAVolumeNotHere => new()
    {
        nameof(ControllerGetVolumeRequest),
        nameof(ValidateVolumeCapabilitiesRequest),
        nameof(NodeStageVolumeRequest),
        nameof(NodePublishVolumeRequest),
        nameof(NodeExpandVolumeRequest),
        nameof(NodeGetVolumeStatsRequest),
    };

    [Fact]
    public async Task ControllerModifyVolume_WellFormedIdOfNoVolumeHere_IsOkAndTouchesNothing()
    {
        var id = $"{VolumeGroup}:never-existed-0000:AAAAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGGGG";

        await RepeatUnchangedAsync(() => CallAsync<ControllerModifyVolumeResponse>(MissingVolumeRequest(nameof(ControllerModifyVolumeRequest), id)));
    }

    [Theory]
    [MemberData(nameof(RpcsOnAVolumeNotHere))]
    public async Task VolumeRpc_WellFormedIdOfNoVolume_IsNotFoundAndTouchesNothing(string rpc)
    {
        var id = $"{VolumeGroup}:never-existed-0000:AAAAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGGGG";
        Directory.CreateDirectory(Target("exists"));

        await RefusedUntouchedAsync(StatusCode.NotFound, MissingVolumeRequest(rpc, id));
    }

    [Theory]
    [MemberData(nameof(RpcsOnAMissingVolume))]
    public async Task VolumeRpc_IdNotMadeByStratum_IsNotFoundAndTouchesNothing(string rpc)
    {
        Directory.CreateDirectory(Target("exists"));

        await RefusedUntouchedAsync(StatusCode.NotFound, MissingVolumeRequest(rpc, "pvc-5e3c1cf6-made-elsewhere"));
    }

    [Fact]
    public async Task NodeGetVolumeStats_PathThatDoesNotExist_IsNotFound()
    {
        var volume = await SharedFilesystemVolumeAsync();

        await RefusedUntouchedAsync(StatusCode.NotFound, new NodeGetVolumeStatsRequest { VolumeId = volume.VolumeId, VolumePath = Target("missing") });
    }

    [Theory]
    [InlineData("deviceClass", "default")]
    [InlineData("encryption", "luks2")]
    [InlineData("noSuchParameter", "1")]
    [InlineData("writeIOPS", "fast")]
    public async Task ControllerModifyVolume_ImmutableUnknownOrBadParameter_IsInvalidArgumentAndTouchesNothing(string key, string value)
    {
        var volume = await SharedBlockVolumeAsync();

        await RefusedUntouchedAsync(StatusCode.InvalidArgument, new ControllerModifyVolumeRequest { VolumeId = volume.VolumeId, MutableParameters = { [key] = value } });
    }

    private Google.Protobuf.IMessage MissingVolumeRequest(string rpc, string id) => rpc switch
    {
        nameof(ControllerGetVolumeRequest) => new ControllerGetVolumeRequest { VolumeId = id },
        nameof(ValidateVolumeCapabilitiesRequest) => new ValidateVolumeCapabilitiesRequest { VolumeId = id, VolumeCapabilities = { Requests.Mount() } },
        nameof(NodeStageVolumeRequest) => Requests.Stage(id, Staging("v"), Requests.Mount()),
        nameof(NodePublishVolumeRequest) => Requests.Publish(id, Staging("v"), Target("v"), Requests.Mount()),
        nameof(NodeExpandVolumeRequest) => Requests.Expand(id, Target("exists"), 64 * MiB),
        nameof(NodeGetVolumeStatsRequest) => new NodeGetVolumeStatsRequest { VolumeId = id, VolumePath = Target("exists") },
        nameof(ControllerModifyVolumeRequest) => new ControllerModifyVolumeRequest { VolumeId = id, MutableParameters = { ["readIOPS"] = "100" } },
        _ => throw new ArgumentOutOfRangeException(nameof(rpc), rpc, null),
    };

    // ================================================================ ALREADY_EXISTS

    [Fact]
    public async Task CreateVolume_SameNameOutsideTheExistingSize_IsAlreadyExistsAndTouchesNothing()
    {
        var existing = await SharedBlockVolumeAsync();
        var size = (await LvAsync(existing.VolumeId))!.SizeBytes;
        var extent = await ExtentBytesAsync();

        await RefusedUntouchedAsync(StatusCode.AlreadyExists, Requests.Create(SharedBlockName, size + extent, Requests.Block()));
        await RefusedUntouchedAsync(StatusCode.AlreadyExists, Requests.Create(SharedBlockName, extent, Requests.Block(), limitBytes: size - extent));
    }

    [Fact]
    public async Task CreateVolume_SameNameInAnotherDeviceClass_IsAlreadyExistsAndTouchesNothing()
    {
        var existing = await SharedBlockVolumeAsync();

        await RefusedUntouchedAsync(StatusCode.AlreadyExists, Requests.Create(SharedBlockName, 4 * MiB, Requests.Block(), ConformanceFixture.StripedClass));
        Assert.Equal(existing.VolumeContext["deviceClass"], ConformanceFixture.LinearClass);
    }

    [Fact]
    public async Task NodeStageVolume_StagingPathHoldsAnotherVolume_IsAlreadyExistsAndTouchesNothing()
    {
        var staged = await SharedFilesystemVolumeAsync();
        var other = await SharedBlockVolumeAsync();
        var staging = Staging("v");
        await StageAsync(staged.VolumeId, staging, Requests.Mount("ext4"));

        await RefusedUntouchedAsync(StatusCode.AlreadyExists, Requests.Stage(other.VolumeId, staging, Requests.Mount("ext4")));

        await UnstageAsync(staged.VolumeId, staging);
    }

    [Fact]
    public async Task NodeStageVolume_StagedWithAnotherFilesystem_IsAlreadyExistsAndTouchesNothing()
    {
        var volume = await SharedFilesystemVolumeAsync();
        var staging = Staging("v");
        await StageAsync(volume.VolumeId, staging, Requests.Mount("ext4"));

        await RefusedUntouchedAsync(StatusCode.AlreadyExists, Requests.Stage(volume.VolumeId, staging, Requests.Mount("btrfs")));

        await UnstageAsync(volume.VolumeId, staging);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NodePublishVolume_PublishedWithTheOtherReadOnlyFlag_IsAlreadyExistsAndTouchesNothing(bool publishedReadOnly)
    {
        var volume = await SharedFilesystemVolumeAsync();
        string staging = Staging("v"), target = Target("v");
        await StageAsync(volume.VolumeId, staging, Requests.Mount());
        await PublishAsync(volume.VolumeId, staging, target, Requests.Mount(), publishedReadOnly);

        await RefusedUntouchedAsync(StatusCode.AlreadyExists, Requests.Publish(volume.VolumeId, staging, target, Requests.Mount(), !publishedReadOnly));

        await UnpublishAsync(volume.VolumeId, target);
        await UnstageAsync(volume.VolumeId, staging);
    }

    // ================================================================ RESOURCE_EXHAUSTED

    [Fact]
    public async Task CreateVolume_LargerThanTheVolumeGroup_IsResourceExhaustedAndTouchesNothing()
    {
        var vg = (await Raw.GetVolumeGroupAsync(VolumeGroup, Ct))!;

        await RefusedUntouchedAsync(StatusCode.ResourceExhausted, Requests.Create(Name("huge"), vg.SizeBytes + vg.ExtentSizeBytes, Requests.Block()));
        await RefusedUntouchedAsync(StatusCode.ResourceExhausted, Requests.Create(Name("huge"), vg.SizeBytes, Requests.Block(), ConformanceFixture.Raid1Class));
    }

    [Fact]
    public async Task CreateVolume_SpareClass_GivesEverythingButTheSpare()
    {
        await CreateVolumeAsync(Name("refresh"), 4 * MiB, Requests.Block()); // brings the plugin's figures up to date
        await SettleAsync();
        var extent = await ExtentBytesAsync();
        var capacity = await CapacityAsync(ConformanceFixture.SpareClass);
        var maximum = capacity.MaximumVolumeSize ?? 0;
        Assert.True(maximum > extent, $"the VG has too little room for this test: {capacity}");

        await RefusedUntouchedAsync(StatusCode.ResourceExhausted, Requests.Create(Name("spare"), maximum + extent, Requests.Block(), ConformanceFixture.SpareClass));
        var largest = await CreateVolumeAsync(Name("spare"), maximum, Requests.Block(), ConformanceFixture.SpareClass);

        Assert.Equal(maximum, largest.CapacityBytes);
        Assert.Equal(0, (await CapacityAsync(ConformanceFixture.SpareClass)).AvailableCapacity);
        Assert.Equal(ConformanceFixture.SpareBytes, (await Raw.GetVolumeGroupAsync(VolumeGroup, Ct))!.FreeBytes);
        Assert.Equal(ConformanceFixture.SpareBytes, (await CapacityAsync(ConformanceFixture.LinearClass)).AvailableCapacity);
        await DeleteVolumeAsync(largest.VolumeId);
    }

    [Fact]
    public async Task CreateVolume_RequisiteTopologyOfAnotherNode_IsResourceExhaustedAndTouchesNothing()
    {
        var request = Requests.Create(Name("elsewhere"), 8 * MiB, Requests.Block());
        request.AccessibilityRequirements = new TopologyRequirement
        {
            Requisite = { CsiTopology.ForNode("some-other-node") },
            Preferred = { CsiTopology.ForNode("some-other-node") },
        };

        await RefusedUntouchedAsync(StatusCode.ResourceExhausted, request);
    }

    [Fact]
    public async Task CreateVolume_RequisiteTopologyIncludingThisNode_Creates()
    {
        var request = Requests.Create(Name("here"), 8 * MiB, Requests.Block());
        request.AccessibilityRequirements = new TopologyRequirement
        {
            Requisite = { CsiTopology.ForNode("some-other-node"), CsiTopology.ForNode(ConformanceFixture.NodeId) },
            Preferred = { CsiTopology.ForNode(ConformanceFixture.NodeId) },
        };

        var volume = (await CallAsync<CreateVolumeResponse>(request)).Volume;

        Assert.Equal(ConformanceFixture.NodeId, Assert.Single(volume.AccessibleTopology).Segments[CsiTopology.NodeKey]);
    }

    [Fact]
    public async Task NodeExpandVolume_BeyondTheVolumeGroup_IsResourceExhaustedAndTouchesNothing()
    {
        var volume = await SharedBlockVolumeAsync();
        var vg = (await Raw.GetVolumeGroupAsync(VolumeGroup, Ct))!;
        Directory.CreateDirectory(Target("b"));

        await RefusedUntouchedAsync(StatusCode.ResourceExhausted, Requests.Expand(volume.VolumeId, Target("b"), vg.SizeBytes + vg.ExtentSizeBytes, 0, Requests.Block()));
    }

    // ================================================================ OUT_OF_RANGE

    [Fact]
    public async Task CreateVolume_LimitBelowTheRoundedSize_IsOutOfRangeAndTouchesNothing()
    {
        var extent = await ExtentBytesAsync();

        await RefusedUntouchedAsync(StatusCode.OutOfRange, Requests.Create(Name("range"), extent + 1, Requests.Block(), limitBytes: extent + 2));
        await RefusedUntouchedAsync(StatusCode.OutOfRange, Requests.Create(Name("range"), extent, Requests.Block(), ConformanceFixture.StripedClass, limitBytes: extent));
    }

    [Theory]
    [InlineData("xfs", null)]
    [InlineData("", ConformanceFixture.XfsClass)]
    [InlineData("btrfs", null)]
    public async Task CreateVolume_FilesystemMinimumAboveTheLimit_IsOutOfRangeAndTouchesNothing(string fsType, string? deviceClass)
    {
        var minimum = FileSystemTypes.TryParse(fsType, out var type) ? Stratum.Volumes.Filesystems.FileSystemLimits.MinimumBytes(type) : XfsMinimum;

        await RefusedUntouchedAsync(StatusCode.OutOfRange, Requests.Create(Name("fsmin"), 8 * MiB, Requests.Mount(fsType), deviceClass, limitBytes: minimum - MiB));
    }

    [Fact]
    public async Task NodeExpandVolume_AboveTheLimit_IsOutOfRangeAndTouchesNothing()
    {
        var volume = await SharedBlockVolumeAsync();
        var size = (await LvAsync(volume.VolumeId))!.SizeBytes;
        Directory.CreateDirectory(Target("b"));

        await RefusedUntouchedAsync(StatusCode.OutOfRange, Requests.Expand(volume.VolumeId, Target("b"), size + 1, size + 2, Requests.Block()));
        await RefusedUntouchedAsync(StatusCode.OutOfRange, Requests.Expand(volume.VolumeId, Target("b"), size / 2, size / 2, Requests.Block()));
    }

    // ================================================================ FAILED_PRECONDITION

    [Fact]
    public async Task NodePublishVolume_BeforeStage_IsFailedPreconditionAndTouchesNothing()
    {
        var volume = await SharedFilesystemVolumeAsync();

        await RefusedUntouchedAsync(StatusCode.FailedPrecondition, Requests.Publish(volume.VolumeId, Staging("v"), Target("v"), Requests.Mount()));
    }

    [Fact]
    public async Task NodeExpandVolume_FilesystemNotMountedAtThePath_IsFailedPreconditionAndTouchesNothing()
    {
        var volume = await SharedFilesystemVolumeAsync();
        Directory.CreateDirectory(Target("v"));

        await RefusedUntouchedAsync(StatusCode.FailedPrecondition, Requests.Expand(volume.VolumeId, Target("v"), 128 * MiB, 0, Requests.Mount()));
    }

    [Fact]
    public async Task NodeStageVolume_DeviceCarriesAnotherFilesystem_IsRefusedNeverFormattedAndKeepsTheData()
    {
        var volume = await SharedFilesystemVolumeAsync();
        var staging = Staging("v");
        await StageAsync(volume.VolumeId, staging, Requests.Mount("ext4"));
        var payload = $"data-t{TestNumber}";
        var hash = await WriteRandomFileAsync(Path.Combine(staging, payload), 1024 * 1024);
        await UnstageAsync(volume.VolumeId, staging);

        var refused = await RefusedUntouchedAsync(StatusCode.FailedPrecondition, Requests.Stage(volume.VolumeId, staging, Requests.Mount("xfs")));
        await RefusedUntouchedAsync(StatusCode.FailedPrecondition, Requests.Stage(volume.VolumeId, staging, Requests.Mount("btrfs")));

        Assert.Contains("ext4", refused.Status.Detail, StringComparison.Ordinal);
        var device = (await LvAsync(volume.VolumeId))!.Path!;
        Assert.True((await Fixture.Filesystem.ProbeAsync(device, Ct)).Is(FileSystemType.Ext4), "the device no longer carries its ext4");
        await StageAsync(volume.VolumeId, staging, Requests.Mount("ext4"));
        Assert.Equal(hash, await HashAsync(Path.Combine(staging, payload)));
        File.Delete(Path.Combine(staging, payload));
        await UnstageAsync(volume.VolumeId, staging);
    }

    [Fact]
    public async Task DeleteVolume_WhileStaged_IsFailedPreconditionAndKeepsTheVolume()
    {
        var volume = await SharedFilesystemVolumeAsync();
        var staging = Staging("v");
        await StageAsync(volume.VolumeId, staging, Requests.Mount("ext4"));
        var lv = await LvAsync(volume.VolumeId);

        var refused = await FailsAsync(StatusCode.FailedPrecondition, new DeleteVolumeRequest { VolumeId = volume.VolumeId });

        Assert.Contains("in use", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(lv, await LvAsync(volume.VolumeId));
        Assert.Single(Mounts.Below(staging));
        await UnstageAsync(volume.VolumeId, staging);
    }

    [Fact]
    public async Task NodeUnstageVolume_StagingPathHoldsAnotherVolume_IsFailedPreconditionAndTouchesNothing()
    {
        var staged = await SharedFilesystemVolumeAsync();
        var other = await SharedBlockVolumeAsync();
        var staging = Staging("v");
        await StageAsync(staged.VolumeId, staging, Requests.Mount("ext4"));

        await RefusedUntouchedAsync(StatusCode.FailedPrecondition, new NodeUnstageVolumeRequest { VolumeId = other.VolumeId, StagingTargetPath = staging });

        await UnstageAsync(staged.VolumeId, staging);
    }

    [Fact]
    public async Task NodeUnpublishVolume_TargetHoldsAnotherVolume_IsFailedPreconditionAndTouchesNothing()
    {
        var published = await SharedFilesystemVolumeAsync();
        var other = await SharedBlockVolumeAsync();
        string staging = Staging("v"), target = Target("v");
        await StageAsync(published.VolumeId, staging, Requests.Mount("ext4"));
        await PublishAsync(published.VolumeId, staging, target, Requests.Mount("ext4"), readOnly: false);

        await RefusedUntouchedAsync(StatusCode.FailedPrecondition, new NodeUnpublishVolumeRequest { VolumeId = other.VolumeId, TargetPath = target });

        await UnpublishAsync(published.VolumeId, target);
        await UnstageAsync(published.VolumeId, staging);
    }

    [Fact]
    public async Task NodePublishVolume_ReadOnlyAccessMode_PublishesReadOnly()
    {
        var volume = await SharedFilesystemVolumeAsync();
        string staging = Staging("v"), target = Target("v");
        await StageAsync(volume.VolumeId, staging, Requests.Mount("ext4"));

        await PublishAsync(volume.VolumeId, staging, target, Requests.Mount("ext4", AccessMode.SingleNodeReaderOnly));

        Assert.True(Assert.Single(Mounts.Below(target)).IsReadOnly);
        await UnpublishAsync(volume.VolumeId, target);
        await UnstageAsync(volume.VolumeId, staging);
    }
}
