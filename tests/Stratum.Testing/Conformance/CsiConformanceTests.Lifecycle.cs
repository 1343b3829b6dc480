using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;
using Stratum.Testing.Lvm;
using Stratum.Volumes.Metadata;
using Stratum.Volumes.Naming;
using Unit = Stratum.Csi.V1.VolumeUsage.Types.Unit;

namespace Stratum.Testing.Conformance;

public abstract partial class CsiConformanceTests
{
    // ================================================================ stale ids

    [Fact]
    public async Task StaleId_NameRecreatedAfterDeletion_OldIdNeverReachesTheNewLv()
    {
        var name = Name("stale");
        var old = await CreateVolumeAsync(name, 8 * MiB, Requests.Mount("ext4"));
        await DeleteVolumeAsync(old.VolumeId);
        var fresh = await CreateVolumeAsync(name, 8 * MiB, Requests.Mount("ext4"));
        Assert.NotEqual(old.VolumeId, fresh.VolumeId);
        Assert.Equal(IdOf(old.VolumeId).LogicalVolume, IdOf(fresh.VolumeId).LogicalVolume); // same LV name, new UUID
        Directory.CreateDirectory(Target("v"));

        await RefusedUntouchedAsync(StatusCode.NotFound, Requests.Stage(old.VolumeId, Staging("v"), Requests.Mount("ext4")));
        await RefusedUntouchedAsync(StatusCode.NotFound, Requests.Publish(old.VolumeId, Staging("v"), Target("v"), Requests.Mount("ext4")));
        await RefusedUntouchedAsync(StatusCode.NotFound, new ControllerGetVolumeRequest { VolumeId = old.VolumeId });
        await RefusedUntouchedAsync(StatusCode.NotFound, new ValidateVolumeCapabilitiesRequest { VolumeId = old.VolumeId, VolumeCapabilities = { Requests.Mount() } });
        await RefusedUntouchedAsync(StatusCode.NotFound, Requests.Expand(old.VolumeId, Target("v"), 64 * MiB));
        await RepeatUnchangedAsync(() => CallAsync<DeleteVolumeResponse>(new DeleteVolumeRequest { VolumeId = old.VolumeId }));

        Assert.Equal(IdOf(fresh.VolumeId).Uuid, (await LvAsync(fresh.VolumeId))?.Uuid);
        Assert.Equal(fresh, (await CallAsync<ControllerGetVolumeResponse>(new ControllerGetVolumeRequest { VolumeId = fresh.VolumeId })).Volume);
    }

    // ================================================================ LVs Stratum did not create

    [Fact]
    public async Task ForeignLv_WithoutTheOwnerTag_IsNeverListedServedOrDeleted()
    {
        var foreign = await CreateRawLvAsync($"foreign-t{TestNumber}", 8 * MiB, ["backup-of=db", "stratum/name=x"]);
        var id = new VolumeId(VolumeGroup, foreign.Name, foreign.Uuid).ToString();
        Directory.CreateDirectory(Target("v"));

        var listed = await CallAsync<ListVolumesResponse>(new ListVolumesRequest());
        var refused = await RefusedUntouchedAsync(StatusCode.FailedPrecondition, new DeleteVolumeRequest { VolumeId = id });
        await RefusedUntouchedAsync(StatusCode.NotFound, new ControllerGetVolumeRequest { VolumeId = id });
        await RefusedUntouchedAsync(StatusCode.NotFound, Requests.Stage(id, Staging("v"), Requests.Block()));
        await RefusedUntouchedAsync(StatusCode.NotFound, Requests.Expand(id, Target("v"), 64 * MiB, 0, Requests.Block()));

        Assert.DoesNotContain(listed.Entries, e => e.Volume.VolumeId == id || IdOf(e.Volume.VolumeId).Uuid == foreign.Uuid);
        Assert.Contains("owner", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(foreign, await Raw.GetLogicalVolumeAsync(VolumeGroup, foreign.Name, Ct));
    }

    [Fact]
    public async Task ForeignLv_HoldingTheNameStratumWouldUse_IsNeverAdopted()
    {
        var name = Name("taken");
        var foreign = await CreateRawLvAsync(LogicalVolumeNaming.ForCsiName(name), 8 * MiB, []);
        var mark = await SettledMarkAsync();

        await FailsAsync(StatusCode.AlreadyExists, Requests.Create(name, 8 * MiB, Requests.Block()));

        Assert.Equal(foreign, await Raw.GetLogicalVolumeAsync(VolumeGroup, foreign.Name, Ct));
        Assert.DoesNotContain(Lvm.CallsSince(mark), c => c.Operation is LvmOperation.RemoveVolume or LvmOperation.RemoveVolumeIf or LvmOperation.ChangeTags or LvmOperation.ChangeTagsIf or LvmOperation.ExtendVolume);
        Assert.False(VolumeMetadata.IsOwned((await Raw.GetLogicalVolumeAsync(VolumeGroup, foreign.Name, Ct))!));
    }

    // ================================================================ restart

    [Fact]
    public async Task Restart_NewPluginOnTheSameLvmState_ServesEveryVolumeAsBefore()
    {
        string staging = Staging("v"), target = Target("v"), blockStaging = Staging("b"), blockTarget = Target("b");
        var filesystem = await SharedFilesystemVolumeAsync();
        var block = await SharedBlockVolumeAsync();
        await CreateVolumeAsync(Name("probe"), 4 * MiB, Requests.Block()); // brings the plugin's figures up to date
        await StageAsync(filesystem.VolumeId, staging, Requests.Mount("ext4"));
        await PublishAsync(filesystem.VolumeId, staging, target, Requests.Mount("ext4"));
        var payload = Path.Combine(target, $"payload-t{TestNumber}");
        var hash = await WriteRandomFileAsync(payload, 4 * 1024 * 1024);
        await StageAsync(block.VolumeId, blockStaging, Requests.Block());
        await PublishAsync(block.VolumeId, blockStaging, blockTarget, Requests.Block());
        var listedBefore = await CallAsync<ListVolumesResponse>(new ListVolumesRequest());
        var capacityBefore = await CapacityAsync();
        var mounts = Mounts.Below(TestDirectory).Select(m => $"{m.MountPoint} {m.DeviceMajor}:{m.DeviceMinor} {m.Options}").ToList();

        await Fixture.RestartPluginAsync(); // returns once the new plugin's Probe reports ready

        Assert.Equal(listedBefore, await CallAsync<ListVolumesResponse>(new ListVolumesRequest()));
        Assert.Equal(capacityBefore, await CapacityAsync());
        await RepeatUnchangedAsync(() => CallAsync<NodeStageVolumeResponse>(Requests.Stage(filesystem.VolumeId, staging, Requests.Mount("ext4"))));
        await RepeatUnchangedAsync(() => CallAsync<NodePublishVolumeResponse>(Requests.Publish(filesystem.VolumeId, staging, target, Requests.Mount("ext4"))));
        await RepeatUnchangedAsync(() => CallAsync<NodeStageVolumeResponse>(Requests.Stage(block.VolumeId, blockStaging, Requests.Block())));
        await RepeatUnchangedAsync(() => CallAsync<NodePublishVolumeResponse>(Requests.Publish(block.VolumeId, blockStaging, blockTarget, Requests.Block())));
        Assert.Equal(mounts, Mounts.Below(TestDirectory).Select(m => $"{m.MountPoint} {m.DeviceMajor}:{m.DeviceMinor} {m.Options}"));
        var stats = await StatsAsync(filesystem.VolumeId, target);
        Assert.True(Assert.Single(stats.Usage, u => u.Unit == Unit.Bytes).Used >= 4 * 1024 * 1024);
        Assert.False(stats.VolumeCondition.Abnormal, stats.VolumeCondition.Message);
        Assert.Equal((await LvAsync(block.VolumeId))!.SizeBytes, Assert.Single((await StatsAsync(block.VolumeId, blockTarget)).Usage).Total);
        Assert.Equal(hash, await HashAsync(payload));
        File.Delete(payload);

        await UnpublishAsync(filesystem.VolumeId, target);
        await UnstageAsync(filesystem.VolumeId, staging);
        await UnpublishAsync(block.VolumeId, blockTarget);
        await UnstageAsync(block.VolumeId, blockStaging);
        Assert.Empty(Mounts.Below(TestDirectory));
    }
}
