using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;

namespace Stratum.Csi.Tests.TestSupport;

/// <summary>Identity and Controller services whose handlers a test supplies (unset methods answer UNIMPLEMENTED).</summary>
public static class TestServices
{
    public static GrpcService Probe(Func<ProbeRequest, ServerCallContext, Task<ProbeResponse>> handler) =>
        GrpcService.Create(new TestIdentity { OnProbe = handler }, Identity.Descriptor);

    public static GrpcService ReadyProbe() => Probe((_, _) => Task.FromResult(new ProbeResponse { Ready = true }));

    public static GrpcService PluginInfo(Func<GetPluginInfoRequest, ServerCallContext, Task<GetPluginInfoResponse>> handler) =>
        GrpcService.Create(new TestIdentity { OnGetPluginInfo = handler }, Identity.Descriptor);

    /// <summary>CreateVolume answers with a volume whose id is the request's name.</summary>
    public static GrpcService EchoCreate() => GrpcService.Create(new EchoController(), Controller.Descriptor);

    private sealed class TestIdentity : Identity.IdentityBase
    {
        public Func<ProbeRequest, ServerCallContext, Task<ProbeResponse>>? OnProbe { get; init; }

        public Func<GetPluginInfoRequest, ServerCallContext, Task<GetPluginInfoResponse>>? OnGetPluginInfo { get; init; }

        public override Task<ProbeResponse> Probe(ProbeRequest request, ServerCallContext context) =>
            OnProbe is { } probe ? probe(request, context) : base.Probe(request, context);

        public override Task<GetPluginInfoResponse> GetPluginInfo(GetPluginInfoRequest request, ServerCallContext context) =>
            OnGetPluginInfo is { } info ? info(request, context) : base.GetPluginInfo(request, context);
    }

    private sealed class EchoController : Controller.ControllerBase
    {
        public override Task<CreateVolumeResponse> CreateVolume(CreateVolumeRequest request, ServerCallContext context) =>
            Task.FromResult(new CreateVolumeResponse { Volume = new Volume { VolumeId = request.Name } });
    }
}
