using Grpc.Core;
using Stratum.Csi.Tests.TestSupport;
using Stratum.Csi.V1;
using Stratum.Volumes.Filesystems;
using Stratum.Platform;
using Mode = Stratum.Csi.V1.VolumeCapability.Types.AccessMode.Types.Mode;

namespace Stratum.Csi.Tests.Services;

/// <summary>The Node service called directly, over the engine on the LVM simulator and an in-memory host.</summary>
public sealed class NodeServiceTests : IAsyncLifetime
{
    private const string Staging = "/var/lib/kubelet/plugins/staging/v";
    private const string Target = "/var/lib/kubelet/pods/p/volumeDevices/v";

    private ServiceFixture _f = null!;
    private string _volumeId = null!;

    public async Task InitializeAsync()
    {
        _f = await ServiceFixture.StartAsync();
        var volume = await _f.Engine.Volumes.CreateAsync(new Volumes.CreateVolumeSpec { Name = "pvc-1", RequiredBytes = 64 << 20 }, default);
        _f.Fs.AddDevice(volume.DevicePath, new DeviceNumber(253, (uint)volume.Lv.KernelMinor!.Value));
        _volumeId = volume.Id.ToString();
    }

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    private static VolumeCapability Mount(string fsType = "ext4", Mode mode = Mode.SingleNodeWriter) =>
        new() { Mount = new VolumeCapability.Types.MountVolume { FsType = fsType }, AccessMode = new VolumeCapability.Types.AccessMode { Mode = mode } };

    private static VolumeCapability Block(Mode mode = Mode.SingleNodeWriter) =>
        new() { Block = new VolumeCapability.Types.BlockVolume(), AccessMode = new VolumeCapability.Types.AccessMode { Mode = mode } };

    private async Task<StatusCode> CodeOf(Func<Task> call) => (await Assert.ThrowsAsync<RpcException>(call)).StatusCode;

    [Fact]
    public async Task NodeStageVolume_Blank_FormatsAndMounts()
    {
        await _f.Node.NodeStageVolume(new NodeStageVolumeRequest { VolumeId = _volumeId, StagingTargetPath = Staging, VolumeCapability = Mount() }, new FakeCallContext());

        Assert.Equal("ext4", MountInfo.FindMountPoint(_f.Fs.Mounts, Staging)!.FsType);
    }

    [Fact]
    public async Task NodeStageVolume_ForbiddenMountFlag_InvalidArgument()
    {
        var capability = Mount();
        capability.Mount.MountFlags.Add("errors=panic");

        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => _f.Node.NodeStageVolume(new NodeStageVolumeRequest { VolumeId = _volumeId, StagingTargetPath = Staging, VolumeCapability = capability }, new FakeCallContext())));
    }

    [Fact]
    public async Task NodeStageVolume_ForeignFilesystemOnTheDevice_FailedPrecondition()
    {
        var device = _f.Engine.Catalog.Known().Single().DevicePath;
        _f.Fs.SetContents(device, new DeviceContents(false, "xfs", "filesystem"));

        Assert.Equal(StatusCode.FailedPrecondition, await CodeOf(() => _f.Node.NodeStageVolume(new NodeStageVolumeRequest { VolumeId = _volumeId, StagingTargetPath = Staging, VolumeCapability = Mount() }, new FakeCallContext())));
        Assert.Empty(_f.Fs.Changes);
    }

    [Fact]
    public async Task NodePublishVolume_ReadOnlyBlock_AReadOnlyDeviceNotTheLvsNode()
    {
        await _f.Node.NodePublishVolume(new NodePublishVolumeRequest { VolumeId = _volumeId, StagingTargetPath = Staging, TargetPath = Target, VolumeCapability = Block(Mode.SingleNodeReaderOnly) }, new FakeCallContext());

        var mapping = Assert.Single(_f.Fs.FindMappings("stratum-ro-"));
        Assert.Equal(mapping.Device, new DeviceNumber(_f.Fs.Stat(Target).DeviceMajor, _f.Fs.Stat(Target).DeviceMinor));

        await _f.Node.NodeUnpublishVolume(new NodeUnpublishVolumeRequest { VolumeId = _volumeId, TargetPath = Target }, new FakeCallContext());

        Assert.Empty(_f.Fs.MappingNames);
        Assert.Empty(_f.Fs.Mounts);
    }

    [Fact]
    public async Task NodeUnpublishVolume_UnknownVolumeNothingThere_Succeeds()
    {
        await _f.Node.NodeUnpublishVolume(new NodeUnpublishVolumeRequest { VolumeId = "stratum:gone:AAAAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGGGG", TargetPath = Target }, new FakeCallContext());
    }

    [Fact]
    public async Task NodeGetVolumeStats_UnknownVolume_NotFound()
    {
        _f.Fs.CreateDirectory(Staging);

        Assert.Equal(StatusCode.NotFound, await CodeOf(() => _f.Node.NodeGetVolumeStats(new NodeGetVolumeStatsRequest { VolumeId = "stratum:gone:AAAAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGGGG", VolumePath = Staging }, new FakeCallContext())));
    }

    [Fact]
    public async Task NodeExpandVolume_Block_Grows()
    {
        await _f.Node.NodePublishVolume(new NodePublishVolumeRequest { VolumeId = _volumeId, StagingTargetPath = Staging, TargetPath = Target, VolumeCapability = Block() }, new FakeCallContext());

        var response = await _f.Node.NodeExpandVolume(new NodeExpandVolumeRequest { VolumeId = _volumeId, VolumePath = Target, CapacityRange = new CapacityRange { RequiredBytes = 128 << 20 } }, new FakeCallContext());

        Assert.Equal(128 << 20, response.CapacityBytes);
    }
}
