using Grpc.Core;
using Stratum.Csi.V1;
using Stratum.Volumes;
using Type = Stratum.Csi.V1.NodeServiceCapability.Types.RPC.Types.Type;

namespace Stratum.Csi.Services;

/// <summary>
/// The CSI Node service, called by kubelet: stage (format a blank device, mount it), publish
/// (bind into the pod), expand (lvextend and grow the filesystem online: the trivial-resizer
/// model), stats and volume condition. Every RPC checks required fields and path shape first,
/// then takes the per-volume lock inside the engine, then checks for work already done, then acts.
/// </summary>
public sealed class NodeService : Node.NodeBase
{
    /// <summary>Methods the sidecars and kubelet call every few seconds: logged at Debug.</summary>
    public static IReadOnlySet<string> PollingMethods { get; } = new HashSet<string>(StringComparer.Ordinal) { nameof(NodeGetVolumeStats), nameof(NodeGetCapabilities) };

    private static readonly Type[] Offered =
    [
        Type.StageUnstageVolume, Type.ExpandVolume, Type.GetVolumeStats, Type.VolumeCondition, Type.SingleNodeMultiWriter,
    ];

    /// <summary>The volume context kubelet adds with podInfoOnMount: the pod's UID (for IO limits).</summary>
    public const string PodUidContext = "csi.storage.k8s.io/pod.uid";

    private readonly NodeVolumes _volumes;
    private readonly string _nodeId;
    private readonly NodeGetCapabilitiesResponse _capabilities;

    public NodeService(NodeVolumes volumes, string nodeId)
    {
        _volumes = volumes;
        _nodeId = nodeId;
        _capabilities = new NodeGetCapabilitiesResponse();
        foreach (var type in Offered)
        {
            _capabilities.Capabilities.Add(new NodeServiceCapability { Rpc = new NodeServiceCapability.Types.RPC { Type = type } });
        }
    }

    public override Task<NodeStageVolumeResponse> NodeStageVolume(NodeStageVolumeRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        var volumeId = CsiValidation.Id(request.VolumeId, "volume_id");
        var staging = CsiValidation.AbsolutePath(request.StagingTargetPath, "staging_target_path");
        var capability = CsiValidation.Capability(request.VolumeCapability, "volume_capability");
        var block = capability.AccessTypeCase == VolumeCapability.AccessTypeOneofCase.Block;
        await _volumes.StageAsync(
            new StageSpec(volumeId, staging, block, block ? null : capability.Mount.FsType, block ? [] : [.. capability.Mount.MountFlags])
            {
                Secrets = request.Secrets,
            },
            context.CancellationToken).ConfigureAwait(false);
        return new NodeStageVolumeResponse();
    });

    public override Task<NodeUnstageVolumeResponse> NodeUnstageVolume(NodeUnstageVolumeRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        var volumeId = CsiValidation.Id(request.VolumeId, "volume_id");
        var staging = CsiValidation.AbsolutePath(request.StagingTargetPath, "staging_target_path");
        await _volumes.UnstageAsync(volumeId, staging, context.CancellationToken).ConfigureAwait(false);
        return new NodeUnstageVolumeResponse();
    });

    public override Task<NodePublishVolumeResponse> NodePublishVolume(NodePublishVolumeRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        var volumeId = CsiValidation.Id(request.VolumeId, "volume_id");
        var staging = CsiValidation.AbsolutePath(request.StagingTargetPath, "staging_target_path");
        var target = CsiValidation.AbsolutePath(request.TargetPath, "target_path");
        if (target == staging)
        {
            throw CsiErrors.Invalid("target_path must differ from staging_target_path");
        }

        var capability = CsiValidation.Capability(request.VolumeCapability, "volume_capability");
        var block = capability.AccessTypeCase == VolumeCapability.AccessTypeOneofCase.Block;
        var readOnly = request.Readonly || CsiValidation.IsReadOnlyMode(capability);
        request.VolumeContext.TryGetValue(PodUidContext, out var podUid);
        await _volumes.PublishAsync(new PublishSpec(volumeId, staging, target, block, readOnly, podUid), context.CancellationToken).ConfigureAwait(false);
        return new NodePublishVolumeResponse();
    });

    public override Task<NodeUnpublishVolumeResponse> NodeUnpublishVolume(NodeUnpublishVolumeRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        var volumeId = CsiValidation.Id(request.VolumeId, "volume_id");
        var target = CsiValidation.AbsolutePath(request.TargetPath, "target_path");
        await _volumes.UnpublishAsync(volumeId, target, context.CancellationToken).ConfigureAwait(false);
        return new NodeUnpublishVolumeResponse();
    });

    public override Task<NodeExpandVolumeResponse> NodeExpandVolume(NodeExpandVolumeRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        var volumeId = CsiValidation.Id(request.VolumeId, "volume_id");
        var path = CsiValidation.ExistingVolumePath(request.VolumePath, "volume_path");
        if (request.StagingTargetPath.Length > 0)
        {
            CsiValidation.AbsolutePath(request.StagingTargetPath, "staging_target_path");
        }

        var range = request.CapacityRange ?? new CapacityRange();
        if (range.RequiredBytes < 0 || range.LimitBytes < 0 || (range.LimitBytes > 0 && range.RequiredBytes > range.LimitBytes))
        {
            throw CsiErrors.Invalid("capacity_range must have 0 <= required_bytes <= limit_bytes");
        }

        bool? block = null;
        if (request.VolumeCapability is not null)
        {
            block = CsiValidation.Capability(request.VolumeCapability, "volume_capability").AccessTypeCase == VolumeCapability.AccessTypeOneofCase.Block;
        }

        var size = await _volumes.ExpandAsync(
            new ExpandSpec(volumeId, path, range.RequiredBytes, range.LimitBytes, block) { Secrets = request.Secrets },
            context.CancellationToken).ConfigureAwait(false);
        return new NodeExpandVolumeResponse { CapacityBytes = size };
    });

    public override Task<NodeGetVolumeStatsResponse> NodeGetVolumeStats(NodeGetVolumeStatsRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        var volumeId = CsiValidation.Id(request.VolumeId, "volume_id");
        var path = CsiValidation.ExistingVolumePath(request.VolumePath, "volume_path");
        var stats = await _volumes.StatsAsync(volumeId, path, context.CancellationToken).ConfigureAwait(false);
        var response = new NodeGetVolumeStatsResponse
        {
            VolumeCondition = new VolumeCondition { Abnormal = stats.Abnormal, Message = stats.Message },
        };
        if (stats.Filesystem is { } fs)
        {
            response.Usage.Add(new VolumeUsage { Unit = VolumeUsage.Types.Unit.Bytes, Total = fs.TotalBytes, Available = fs.AvailableBytes, Used = fs.UsedBytes });
            response.Usage.Add(new VolumeUsage { Unit = VolumeUsage.Types.Unit.Inodes, Total = fs.TotalInodes, Available = fs.FreeInodes, Used = fs.UsedInodes });
        }
        else if (stats.BlockBytes is { } bytes)
        {
            response.Usage.Add(new VolumeUsage { Unit = VolumeUsage.Types.Unit.Bytes, Total = bytes });
        }

        return response;
    });

    public override Task<NodeGetInfoResponse> NodeGetInfo(NodeGetInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new NodeGetInfoResponse { NodeId = _nodeId, AccessibleTopology = CsiTopology.ForNode(_nodeId) });

    public override Task<NodeGetCapabilitiesResponse> NodeGetCapabilities(NodeGetCapabilitiesRequest request, ServerCallContext context) =>
        Task.FromResult(_capabilities);
}
