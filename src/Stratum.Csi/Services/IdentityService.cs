using Grpc.Core;
using Stratum.Csi.V1;

namespace Stratum.Csi.Services;

/// <summary>
/// The CSI Identity service: who the plugin is, what it offers, and whether it is ready.
/// </summary>
public sealed class IdentityService : Identity.IdentityBase
{
    /// <summary>Methods the sidecars and kubelet call every few seconds: logged at Debug.</summary>
    public static IReadOnlySet<string> PollingMethods { get; } = new HashSet<string>(StringComparer.Ordinal) { nameof(GetPluginCapabilities), nameof(Probe) };

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

    public override Task<GetPluginInfoResponse> GetPluginInfo(GetPluginInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new GetPluginInfoResponse { Name = _info.Name, VendorVersion = _info.Version });

    public override Task<GetPluginCapabilitiesResponse> GetPluginCapabilities(GetPluginCapabilitiesRequest request, ServerCallContext context) =>
        Task.FromResult(_capabilities);

    public override Task<ProbeResponse> Probe(ProbeRequest request, ServerCallContext context) =>
        _failure() is { } failure
            ? throw new RpcException(new Status(StatusCode.FailedPrecondition, $"the plugin could not start: {failure.Message}"))
            : Task.FromResult(new ProbeResponse { Ready = _isReady() });

    private static PluginCapability Service(PluginCapability.Types.Service.Types.Type type) =>
        new() { Service = new PluginCapability.Types.Service { Type = type } };
}
