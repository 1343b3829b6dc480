using Microsoft.Extensions.Logging;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;

namespace Stratum.Csi.Services;

/// <summary>
/// The CSI Identity service: who the plugin is, what it offers, and whether it is ready.
/// </summary>
public sealed class IdentityService : ICsiService
{
    private readonly PluginInfo _info;
    private readonly Func<bool> _isReady;
    private readonly Func<Exception?> _failure;
    private readonly GetPluginCapabilitiesResponse _capabilities;

    /// <param name="info">Name and version reported by GetPluginInfo.</param>
    /// <param name="isReady">Probe's answer: false while the plugin cannot serve volumes yet.</param>
    /// <param name="failure">Why the plugin is unhealthy (Probe then fails FAILED_PRECONDITION), or null.</param>
    public IdentityService(PluginInfo info, Func<bool> isReady, Func<Exception?>? failure = null)
    {
        _info = info;
        _isReady = isReady;
        _failure = failure ?? (() => null);
        _capabilities = new GetPluginCapabilitiesResponse
        {
            Capabilities =
            {
                Service(PluginCapability.Types.Service.Types.Type.ControllerService),
                Service(PluginCapability.Types.Service.Types.Type.VolumeAccessibilityConstraints),
            },
        };
    }

    public IEnumerable<GrpcMethod> Methods()
    {
        var identity = CsiMethods.Identity;
        yield return GrpcMethod.Create<GetPluginInfoRequest, GetPluginInfoResponse>(identity.FindMethodByName("GetPluginInfo"), GetPluginInfo);
        yield return GrpcMethod.Create<GetPluginCapabilitiesRequest, GetPluginCapabilitiesResponse>(identity.FindMethodByName("GetPluginCapabilities"), GetPluginCapabilities, LogLevel.Debug);
        yield return GrpcMethod.Create<ProbeRequest, ProbeResponse>(identity.FindMethodByName("Probe"), Probe, LogLevel.Debug);
    }

    public Task<GetPluginInfoResponse> GetPluginInfo(GetPluginInfoRequest request, CallContext context) =>
        Task.FromResult(new GetPluginInfoResponse { Name = _info.Name, VendorVersion = _info.Version });

    public Task<GetPluginCapabilitiesResponse> GetPluginCapabilities(GetPluginCapabilitiesRequest request, CallContext context) =>
        Task.FromResult(_capabilities);

    public Task<ProbeResponse> Probe(ProbeRequest request, CallContext context) =>
        _failure() is { } failure
            ? throw new RpcException(StatusCode.FailedPrecondition, $"the plugin could not start: {failure.Message}")
            : Task.FromResult(new ProbeResponse { Ready = _isReady() });

    private static PluginCapability Service(PluginCapability.Types.Service.Types.Type type) =>
        new() { Service = new PluginCapability.Types.Service { Type = type } };
}
