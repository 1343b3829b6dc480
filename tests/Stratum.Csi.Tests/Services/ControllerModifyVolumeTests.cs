using Grpc.Core;
using Stratum.Csi.Tests.TestSupport;
using Stratum.Csi.V1;

namespace Stratum.Csi.Tests.Services;

/// <summary>The parameters of encryption and IO limits at CreateVolume, and ControllerModifyVolume's checks.</summary>
public sealed class ControllerModifyVolumeTests : IAsyncLifetime
{
    private ServiceFixture _f = null!;

    public async Task InitializeAsync() => _f = await ServiceFixture.StartAsync();

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    private static CreateVolumeRequest Create(string name, params (string Key, string Value)[] parameters)
    {
        var request = new CreateVolumeRequest
        {
            Name = name,
            CapacityRange = new CapacityRange { RequiredBytes = 64L << 20 },
            VolumeCapabilities = { new VolumeCapability { Block = new VolumeCapability.Types.BlockVolume(), AccessMode = new VolumeCapability.Types.AccessMode { Mode = VolumeCapability.Types.AccessMode.Types.Mode.SingleNodeWriter } } },
        };
        foreach (var (key, value) in parameters)
        {
            request.Parameters[key] = value;
        }

        return request;
    }

    private static async Task<StatusCode> CodeOf(Func<Task> call) => (await Assert.ThrowsAsync<RpcException>(call)).StatusCode;

    [Fact]
    public async Task GetCapabilities_OffersModifyVolume()
    {
        var caps = await _f.Controller.ControllerGetCapabilities(new ControllerGetCapabilitiesRequest(), new FakeCallContext());

        Assert.Contains(caps.Capabilities, c => c.Rpc.Type == ControllerServiceCapability.Types.RPC.Types.Type.ModifyVolume);
    }

    [Fact]
    public async Task CreateVolume_EncryptionAndLimits_RecordedInTags()
    {
        var volume = (await _f.Controller.CreateVolume(Create("pvc-1", ("encryption", "luks2"), ("writeIOPS", "100")), new FakeCallContext())).Volume;

        var lv = (await _f.Lvm.Admin.ListLogicalVolumesAsync("stratum", default)).Single(l => volume.VolumeId.Contains(l.Uuid, StringComparison.Ordinal));
        Assert.Contains("stratum/encryption=luks2", lv.Tags);
        Assert.Contains("stratum/io=wiops=100", lv.Tags);
    }

    [Theory]
    [InlineData("encryption", "aes")]
    [InlineData("writeIOPS", "lots")]
    [InlineData("readBytesPerSecond", "0")]
    public async Task CreateVolume_BadValue_InvalidArgument(string key, string value)
    {
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => _f.Controller.CreateVolume(Create("pvc-1", (key, value)), new FakeCallContext())));
    }

    [Theory]
    [InlineData("deviceClass", "default")]
    [InlineData("encryption", "luks2")]
    [InlineData("colour", "blue")]
    [InlineData("writeIOPS", "-1")]
    public async Task Modify_UnknownImmutableOrBad_InvalidArgumentNothingChanged(string key, string value)
    {
        var volume = (await _f.Controller.CreateVolume(Create("pvc-1", ("writeIOPS", "100")), new FakeCallContext())).Volume;
        var request = new ControllerModifyVolumeRequest { VolumeId = volume.VolumeId, MutableParameters = { [key] = value } };

        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => _f.Controller.ControllerModifyVolume(request, new FakeCallContext())));

        var lv = (await _f.Lvm.Admin.ListLogicalVolumesAsync("stratum", default)).Single();
        Assert.Contains("stratum/io=wiops=100", lv.Tags);
    }

    [Fact]
    public async Task Modify_Limits_TagReplaced()
    {
        var volume = (await _f.Controller.CreateVolume(Create("pvc-1", ("writeIOPS", "100")), new FakeCallContext())).Volume;
        var request = new ControllerModifyVolumeRequest { VolumeId = volume.VolumeId, MutableParameters = { ["readIOPS"] = "7" } };

        await _f.Controller.ControllerModifyVolume(request, new FakeCallContext());

        var lv = (await _f.Lvm.Admin.ListLogicalVolumesAsync("stratum", default)).Single();
        Assert.Contains("stratum/io=riops=7", lv.Tags);
        Assert.DoesNotContain("stratum/io=wiops=100", lv.Tags);
    }

    [Fact]
    public async Task Modify_VolumeOfAnotherNode_OkNothingChangedHere()
    {
        var own = (await _f.Controller.CreateVolume(Create("pvc-1", ("writeIOPS", "100")), new FakeCallContext())).Volume;
        var request = new ControllerModifyVolumeRequest { VolumeId = "stratum:lv:AAAAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAAAA", MutableParameters = { ["readIOPS"] = "7" } };

        // The resizer may call any node's plugin: the volume's own node applies the class it records on the PV.
        await _f.Controller.ControllerModifyVolume(request, new FakeCallContext());

        var lv = (await _f.Lvm.Admin.ListLogicalVolumesAsync("stratum", default)).Single();
        Assert.Equal(["stratum/io=wiops=100"], lv.Tags.Where(t => t.StartsWith("stratum/io=", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("deviceClass", "default")]
    [InlineData("encryption", "luks2")]
    [InlineData("colour", "blue")]
    [InlineData("writeIOPS", "0")]
    public async Task Modify_VolumeOfAnotherNode_UnknownImmutableOrBad_StillInvalidArgument(string key, string value)
    {
        var request = new ControllerModifyVolumeRequest { VolumeId = "stratum:lv:AAAAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAAAA", MutableParameters = { [key] = value } };

        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => _f.Controller.ControllerModifyVolume(request, new FakeCallContext())));
    }

    [Fact]
    public async Task Modify_NotAStratumVolumeId_NotFound()
    {
        var request = new ControllerModifyVolumeRequest { VolumeId = "some-other-driver-volume", MutableParameters = { ["readIOPS"] = "7" } };

        Assert.Equal(StatusCode.NotFound, await CodeOf(() => _f.Controller.ControllerModifyVolume(request, new FakeCallContext())));
    }
}
