using Stratum.Csi;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;
using ServiceType = Stratum.Csi.V1.PluginCapability.Types.Service.Types.Type;

namespace Stratum.Testing.Conformance;

public abstract partial class CsiConformanceTests
{
    // ================================================================ Identity

    [Fact]
    public async Task GetPluginInfo_Running_ReturnsDriverNameAndVersion()
    {
        var info = await CallAsync<GetPluginInfoResponse>(new GetPluginInfoRequest());

        Assert.Equal(PluginInfo.DriverName, info.Name);
        Assert.False(string.IsNullOrWhiteSpace(info.VendorVersion));
    }

    [Fact]
    public async Task GetPluginCapabilities_Running_OffersTheControllerServiceAndTopology()
    {
        var capabilities = await CallAsync<GetPluginCapabilitiesResponse>(new GetPluginCapabilitiesRequest());

        var services = capabilities.Capabilities.Select(c => c.Service.Type).ToHashSet();
        Assert.Equal(new HashSet<ServiceType> { ServiceType.ControllerService, ServiceType.VolumeAccessibilityConstraints }, services);
    }

    [Fact]
    public async Task Probe_Started_IsReadyWithoutCallingLvm()
    {
        var mark = await SettledMarkAsync();

        var probe = await CallAsync<ProbeResponse>(new ProbeRequest());

        Assert.True(probe.Ready);
        Assert.Empty(Lvm.CallsSince(mark));
    }

    // ================================================================ what Stratum does not implement

    public static TheoryData<string> UnimplementedRequests => new()
    {
        nameof(ControllerPublishVolumeRequest),
        nameof(ControllerUnpublishVolumeRequest),
        nameof(ControllerExpandVolumeRequest),
        nameof(GetSnapshotRequest),
    };

    [Theory]
    [MemberData(nameof(UnimplementedRequests))]
    public async Task Unimplemented_ControllerRpc_AnswersUnimplementedAndTouchesNothing(string request)
    {
        Google.Protobuf.IMessage message = request switch
        {
            nameof(ControllerPublishVolumeRequest) => new ControllerPublishVolumeRequest { VolumeId = "vg:lv:x", NodeId = ConformanceFixture.NodeId, VolumeCapability = Requests.Mount() },
            nameof(ControllerUnpublishVolumeRequest) => new ControllerUnpublishVolumeRequest { VolumeId = "vg:lv:x", NodeId = ConformanceFixture.NodeId },
            nameof(ControllerExpandVolumeRequest) => new ControllerExpandVolumeRequest { VolumeId = "vg:lv:x", CapacityRange = new CapacityRange { RequiredBytes = MiB } },
            nameof(GetSnapshotRequest) => new GetSnapshotRequest { SnapshotId = "snap" },
            _ => throw new ArgumentOutOfRangeException(nameof(request), request, null),
        };

        await RefusedUntouchedAsync(StatusCode.Unimplemented, message);
    }
}
