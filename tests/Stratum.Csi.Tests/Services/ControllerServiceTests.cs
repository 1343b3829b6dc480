using Grpc.Core;
using Stratum.Csi.Tests.TestSupport;
using Stratum.Csi.V1;
using Stratum.Testing.Lvm;
using Stratum.Volumes.Metadata;

namespace Stratum.Csi.Tests.Services;

/// <summary>The Controller service called directly, over the engine on the LVM simulator.</summary>
public sealed class ControllerServiceTests : IAsyncLifetime
{
    private const long MiB = 1 << 20;

    private ServiceFixture _f = null!;

    public async Task InitializeAsync() => _f = await ServiceFixture.StartAsync();

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    private static CreateVolumeRequest Create(string name, long bytes = 64 * MiB, string? deviceClass = null)
    {
        var request = new CreateVolumeRequest
        {
            Name = name,
            CapacityRange = new CapacityRange { RequiredBytes = bytes },
            VolumeCapabilities = { new VolumeCapability { Block = new VolumeCapability.Types.BlockVolume(), AccessMode = new VolumeCapability.Types.AccessMode { Mode = VolumeCapability.Types.AccessMode.Types.Mode.SingleNodeWriter } } },
        };
        if (deviceClass is not null)
        {
            request.Parameters["deviceClass"] = deviceClass;
        }

        return request;
    }

    private async Task<StatusCode> CodeOf(Func<Task> call) => (await Assert.ThrowsAsync<RpcException>(call)).StatusCode;

    [Fact]
    public async Task CreateVolume_New_VolumeOnThisNodeWithItsClass()
    {
        var response = await _f.Controller.CreateVolume(Create("pvc-1"), new FakeCallContext());

        Assert.Equal(64 * MiB, response.Volume.CapacityBytes);
        Assert.Equal("default", response.Volume.VolumeContext["deviceClass"]);
        Assert.Equal(ServiceFixture.NodeId, Assert.Single(response.Volume.AccessibleTopology).Segments.Values.Single());
        Assert.StartsWith("stratum:", response.Volume.VolumeId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateVolume_Again_TheSameVolume()
    {
        var first = await _f.Controller.CreateVolume(Create("pvc-1"), new FakeCallContext());

        var second = await _f.Controller.CreateVolume(Create("pvc-1"), new FakeCallContext());

        Assert.Equal(first.Volume, second.Volume);
    }

    [Fact]
    public async Task CreateVolume_ClassOnAVolumeGroupThisNodeLacks_ResourceExhausted()
    {
        Assert.Equal(StatusCode.ResourceExhausted, await CodeOf(() => _f.Controller.CreateVolume(Create("pvc-1", deviceClass: "elsewhere"), new FakeCallContext())));
    }

    [Fact]
    public async Task CreateVolume_UnknownClass_InvalidArgument()
    {
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => _f.Controller.CreateVolume(Create("pvc-1", deviceClass: "gold"), new FakeCallContext())));
    }

    [Theory]
    [InlineData("keep", null)]
    [InlineData("release", null)]
    [InlineData("", null)]
    [InlineData("Release", StatusCode.InvalidArgument)]
    [InlineData("delete", StatusCode.InvalidArgument)]
    public async Task CreateVolume_NodeLossPolicyParameter_KnownValuesAcceptedOthersInvalid(string value, StatusCode? expected)
    {
        var request = Create("pvc-1");
        request.Parameters["nodeLossPolicy"] = value;

        if (expected is { } code)
        {
            Assert.Equal(code, await CodeOf(() => _f.Controller.CreateVolume(request, new FakeCallContext())));
        }
        else
        {
            Assert.Equal(64 * MiB, (await _f.Controller.CreateVolume(request, new FakeCallContext())).Volume.CapacityBytes);
        }
    }

    [Fact]
    public async Task CreateVolume_UnknownParameter_InvalidArgumentNamingTheKnownOnes()
    {
        var request = Create("pvc-1");
        request.Parameters["nodelosspolicy"] = "keep";

        var error = await Assert.ThrowsAsync<RpcException>(() => _f.Controller.CreateVolume(request, new FakeCallContext()));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("'nodeLossPolicy'", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateVolume_LvmLockHeldElsewhere_Unavailable()
    {
        _f.Lvm.FailNext(LvmOperation.CreateVolumeWithoutReadBack, new Stratum.Lvm.LvmLockedException("lvm lvcreate failed with exit code 5: Giving up waiting for lock.", ["lvm", "lvcreate"], 5, "Giving up waiting for lock."));

        Assert.Equal(StatusCode.Unavailable, await CodeOf(() => _f.Controller.CreateVolume(Create("pvc-1"), new FakeCallContext())));
    }

    [Fact]
    public async Task CreateVolume_ABugBelow_NotAnRpcErrorSoTheInterceptorAnswersInternal()
    {
        _f.Lvm.FailNext(LvmOperation.CreateVolumeWithoutReadBack, new ArgumentException("a bug in Stratum"));

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => _f.Controller.CreateVolume(Create("pvc-1"), new FakeCallContext()));

        Assert.IsType<ArgumentException>(ex);
    }

    [Fact]
    public async Task CreateVolume_CallerCancelsWhileLvcreateRuns_VolumeStillCompleted()
    {
        using var gate = _f.Lvm.Hold(LvmOperation.CreateVolumeWithoutReadBack);
        using var caller = new CancellationTokenSource();
        var call = _f.Controller.CreateVolume(Create("pvc-1"), new FakeCallContext(caller.Token));
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(10));

        await caller.CancelAsync();
        var retry = await CodeOf(() => _f.Controller.CreateVolume(Create("pvc-1"), new FakeCallContext()));
        gate.Release();
        await call;
        var again = await _f.Controller.CreateVolume(Create("pvc-1"), new FakeCallContext());

        Assert.Equal(StatusCode.Aborted, retry);
        Assert.Equal((await call).Volume, again.Volume);
    }

    [Fact]
    public async Task DeleteVolume_Existing_GoneAndAgainSucceeds()
    {
        var volume = (await _f.Controller.CreateVolume(Create("pvc-1"), new FakeCallContext())).Volume;

        await _f.Controller.DeleteVolume(new DeleteVolumeRequest { VolumeId = volume.VolumeId }, new FakeCallContext());
        await _f.Controller.DeleteVolume(new DeleteVolumeRequest { VolumeId = volume.VolumeId }, new FakeCallContext());

        Assert.Equal(StatusCode.NotFound, await CodeOf(() => _f.Controller.ControllerGetVolume(new ControllerGetVolumeRequest { VolumeId = volume.VolumeId }, new FakeCallContext())));
    }

    [Fact]
    public async Task DeleteVolume_InUse_FailedPrecondition()
    {
        var volume = (await _f.Controller.CreateVolume(Create("pvc-1"), new FakeCallContext())).Volume;
        _f.Lvm.SetOpen("stratum", volume.VolumeId.Split(':')[1], true);

        Assert.Equal(StatusCode.FailedPrecondition, await CodeOf(() => _f.Controller.DeleteVolume(new DeleteVolumeRequest { VolumeId = volume.VolumeId }, new FakeCallContext())));
    }

    [Fact]
    public async Task ListVolumes_IncompleteLvOfOurs_NotListed()
    {
        await _f.Controller.CreateVolume(Create("pvc-1"), new FakeCallContext());
        var tags = new VolumeMetadata { CsiName = "half", DeviceClass = "default", RequestedBytes = MiB, State = VolumeState.Creating }.ToTags();
        await _f.Lvm.Admin.CreateVolumeAsync(new Stratum.Lvm.CreateVolumeRequest { VolumeGroup = "stratum", Name = "half-made", SizeBytes = MiB, Tags = tags }, default);

        var listed = await _f.Controller.ListVolumes(new ListVolumesRequest(), new FakeCallContext());

        Assert.Single(listed.Entries);
    }

    [Fact]
    public async Task ControllerGetVolume_DegradedRaid_AbnormalCondition()
    {
        var volume = (await _f.Controller.CreateVolume(Create("pvc-1"), new FakeCallContext())).Volume;
        _f.Lvm.SetHealthStatus("stratum", volume.VolumeId.Split(':')[1], "partial");

        var response = await _f.Controller.ControllerGetVolume(new ControllerGetVolumeRequest { VolumeId = volume.VolumeId }, new FakeCallContext());

        Assert.True(response.Status.VolumeCondition.Abnormal);
        Assert.Contains("partial", response.Status.VolumeCondition.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetCapacity_AfterCreate_LessByTheVolumeWithoutAskingLvm()
    {
        var before = await _f.Controller.GetCapacity(new GetCapacityRequest(), new FakeCallContext());
        await _f.Controller.CreateVolume(Create("pvc-1"), new FakeCallContext());
        _f.Lvm.ResetCalls();

        var after = await _f.Controller.GetCapacity(new GetCapacityRequest(), new FakeCallContext());

        Assert.Equal(before.AvailableCapacity - (64 * MiB), after.AvailableCapacity);
        Assert.Empty(_f.Lvm.Calls);
    }
}
