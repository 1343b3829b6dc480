using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;
using Stratum.Testing.Lvm;

namespace Stratum.Testing.Conformance;

public abstract partial class CsiConformanceTests
{
    private static readonly TimeSpan GateTimeout = TimeSpan.FromMinutes(2);

    // ================================================================ ABORTED: a second operation on a volume in flight

    [Fact]
    public async Task CreateVolume_SameNameWhileTheFirstIsInFlight_IsAbortedAndTheFirstCompletes()
    {
        var name = Name("inflight");
        var request = Requests.Create(name, 8 * MiB, Requests.Block());
        var lv = $"{VolumeGroup}/{Stratum.Volumes.Naming.LogicalVolumeNaming.ForCsiName(name)}";
        var gate = Hold(LvmOperation.CreateVolumeWithoutReadBack, lv);
        var first = CallAsync<CreateVolumeResponse>(request);
        await gate.Entered.WaitAsync(GateTimeout);

        await FailsAsync(StatusCode.Aborted, request);
        await FailsAsync(StatusCode.Aborted, Requests.Create(name, 16 * MiB, Requests.Block()));

        gate.Release();
        var created = (await first).Volume;
        Assert.Equal(created, (await CallAsync<CreateVolumeResponse>(request)).Volume);
    }

    [Fact]
    public async Task DeleteVolume_WhileTheVolumeIsBeingDeleted_AbortsEveryOtherOperationOnIt()
    {
        var volume = await CreateVolumeAsync(Name("deleting"), 8 * MiB, Requests.Block());
        var gate = Hold(LvmOperation.RemoveVolumeIf, LvOf(volume.VolumeId));
        var first = CallAsync<DeleteVolumeResponse>(new DeleteVolumeRequest { VolumeId = volume.VolumeId });
        await gate.Entered.WaitAsync(GateTimeout);

        await FailsAsync(StatusCode.Aborted, new DeleteVolumeRequest { VolumeId = volume.VolumeId });
        await FailsAsync(StatusCode.Aborted, Requests.Stage(volume.VolumeId, Staging("b"), Requests.Block()));
        await FailsAsync(StatusCode.Aborted, Requests.Expand(volume.VolumeId, Target("b"), 16 * MiB, 0, Requests.Block()));
        await FailsAsync(StatusCode.Aborted, Requests.Create(Name("deleting"), 8 * MiB, Requests.Block()));

        gate.Release();
        await first;
        Assert.Null(await LvAsync(volume.VolumeId));
    }

    [Fact]
    public async Task NodeStageVolume_WhileTheVolumeIsBeingStaged_AbortsEveryOtherOperationOnIt()
    {
        var volume = await SharedFilesystemVolumeAsync();
        var staging = Staging("v");
        var gate = Hold(LvmOperation.GetLogicalVolume, LvOf(volume.VolumeId));
        var first = StageAsync(volume.VolumeId, staging, Requests.Mount("ext4"));
        await gate.Entered.WaitAsync(GateTimeout);

        await FailsAsync(StatusCode.Aborted, Requests.Stage(volume.VolumeId, staging, Requests.Mount("ext4")));
        await FailsAsync(StatusCode.Aborted, Requests.Publish(volume.VolumeId, staging, Target("v"), Requests.Mount("ext4")));
        await FailsAsync(StatusCode.Aborted, new NodeUnstageVolumeRequest { VolumeId = volume.VolumeId, StagingTargetPath = staging });
        await FailsAsync(StatusCode.Aborted, new NodeUnpublishVolumeRequest { VolumeId = volume.VolumeId, TargetPath = Target("v") });
        await FailsAsync(StatusCode.Aborted, new DeleteVolumeRequest { VolumeId = volume.VolumeId });
        Assert.Empty(Mounts.Below(TestDirectory));

        gate.Release();
        await first;
        Assert.Single(Mounts.Below(staging));
        await UnstageAsync(volume.VolumeId, staging);
    }

    [Fact]
    public async Task NodeExpandVolume_WhileTheLvIsBeingExtended_AbortsEveryOtherOperationOnIt()
    {
        var volume = await SharedBlockVolumeAsync();
        var extent = await ExtentBytesAsync();
        string staging = Staging("b"), target = Target("b");
        await StageAsync(volume.VolumeId, staging, Requests.Block());
        await PublishAsync(volume.VolumeId, staging, target, Requests.Block());
        var size = (await LvAsync(volume.VolumeId))!.SizeBytes;
        var gate = Hold(LvmOperation.ExtendVolume, LvOf(volume.VolumeId));
        var first = ExpandAsync(volume.VolumeId, target, size + extent, Requests.Block());
        await gate.Entered.WaitAsync(GateTimeout);

        await FailsAsync(StatusCode.Aborted, Requests.Expand(volume.VolumeId, target, size + extent, 0, Requests.Block()));
        await FailsAsync(StatusCode.Aborted, new NodeUnpublishVolumeRequest { VolumeId = volume.VolumeId, TargetPath = target });
        await FailsAsync(StatusCode.Aborted, new NodeUnstageVolumeRequest { VolumeId = volume.VolumeId, StagingTargetPath = staging });
        Assert.Equal(size, DeviceSize(target));

        gate.Release();
        Assert.Equal(size + extent, await first);
        Assert.Equal(size + extent, DeviceSize(target));
        await UnpublishAsync(volume.VolumeId, target);
        await UnstageAsync(volume.VolumeId, staging);
    }

    [Fact]
    public async Task VolumeInFlight_OtherVolumesAndReadOnlyRpcs_AreServedMeanwhile()
    {
        var busy = await SharedBlockVolumeAsync();
        var gate = Hold(LvmOperation.GetLogicalVolume, LvOf(busy.VolumeId));
        var first = StageAsync(busy.VolumeId, Staging("b"), Requests.Block());
        await gate.Entered.WaitAsync(GateTimeout);

        var other = await CreateVolumeAsync(Name("free"), 8 * MiB, Requests.Block());
        await StageAsync(other.VolumeId, Staging("o"), Requests.Block());
        await CapacityAsync();
        await CallAsync<ListVolumesResponse>(new ListVolumesRequest());
        await CallAsync<ProbeResponse>(new ProbeRequest());
        Assert.False(first.IsCompleted);

        gate.Release();
        await first;
    }
}
