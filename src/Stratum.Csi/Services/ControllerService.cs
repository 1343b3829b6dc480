using Grpc.Core;
using Stratum.Csi.V1;
using Stratum.Kube;
using Stratum.Kube.NodeLoss;
using Stratum.Volumes;
using Stratum.Volumes.Naming;
using Stratum.Volumes.Snapshots;
using Stratum.Volumes.IoLimits;
using Type = Stratum.Csi.V1.ControllerServiceCapability.Types.RPC.Types.Type;

namespace Stratum.Csi.Services;

/// <summary>
/// The CSI Controller service, run on every node beside the external-provisioner in
/// <c>--node-deployment</c> mode: CreateVolume carves the LV locally. Expansion is node-side
/// (trivial resizer), so EXPAND_VOLUME is not offered here. Every RPC checks in a fixed order:
/// required fields and their shape, then the per-volume lock, then idempotency, then acts.
/// </summary>
public sealed class ControllerService : Controller.ControllerBase
{
    /// <summary>Methods the sidecars and kubelet call every few seconds: logged at Debug.</summary>
    public static IReadOnlySet<string> PollingMethods { get; } = new HashSet<string>(StringComparer.Ordinal) { nameof(GetCapacity), nameof(ControllerGetCapabilities) };

    /// <summary>StorageClass parameter that picks the device class.</summary>
    public const string DeviceClassParameter = "deviceClass";

    /// <summary>Parameters the external-snapshotter adds itself (with --extra-create-metadata).</summary>
    public const string SnapshotterPrefix = "csi.storage.k8s.io/";
    /// <summary>StorageClass parameter that encrypts the volume: <c>encryption: luks2</c>.</summary>
    public const string EncryptionParameter = "encryption";

    /// <summary>Parameters the external-provisioner adds itself (with --extra-create-metadata) or consumes.</summary>
    public const string ProvisionerPrefix = "csi.storage.k8s.io/";

    private static readonly Type[] Offered =
    [
        Type.CreateDeleteVolume, Type.ListVolumes, Type.GetCapacity, Type.GetVolume, Type.VolumeCondition, Type.SingleNodeMultiWriter,
        Type.CreateDeleteSnapshot, Type.ListSnapshots, Type.CloneVolume,
        Type.ModifyVolume,
    ];

    private readonly VolumeEngine _engine;
    private readonly NodeVolumes? _node;
    private readonly string _nodeId;
    private readonly ControllerGetCapabilitiesResponse _capabilities;

    /// <param name="engine">The controller side of the engine.</param>
    /// <param name="nodeId">This node.</param>
    /// <param name="node">The node side, which applies ControllerModifyVolume to the pods of this node's volumes.</param>
    public ControllerService(VolumeEngine engine, string nodeId, NodeVolumes? node = null)
    {
        _engine = engine;
        _node = node;
        _nodeId = nodeId;
        _capabilities = new ControllerGetCapabilitiesResponse();
        foreach (var type in Offered)
        {
            _capabilities.Capabilities.Add(new ControllerServiceCapability { Rpc = new ControllerServiceCapability.Types.RPC { Type = type } });
        }
    }

    public override Task<CreateVolumeResponse> CreateVolume(CreateVolumeRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        var name = CsiValidation.Id(request.Name, "name");
        if (request.VolumeCapabilities.Count == 0)
        {
            throw CsiErrors.Invalid("volume_capabilities is required");
        }

        foreach (var capability in request.VolumeCapabilities)
        {
            CsiValidation.Capability(capability, "volume_capabilities");
        }

        var (required, limit) = Range(request.CapacityRange);
        var parameters = Parameters(request.Parameters);
        var source = Source(request.VolumeContentSource);
        var ioLimits = CsiErrors.Run(() => request.MutableParameters.Count > 0 ? ParseMutableParameters(request.MutableParameters) : IoLimitSettings.Parse(request.Parameters));

        if (request.AccessibilityRequirements is { } requirements && requirements.Requisite.Count > 0
            && !requirements.Requisite.Any(t => CsiTopology.Allows(t, _nodeId)))
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"this plugin provisions only on node {_nodeId}, which none of the requisite topologies allows"));
        }

        var volume = await _engine.CreateAsync(
            new CreateVolumeSpec
            {
                Name = name,
                RequiredBytes = required,
                LimitBytes = limit,
                DeviceClass = parameters.DeviceClass,
                MountFilesystems = request.VolumeCapabilities.Where(c => c.Mount is not null).Select(c => c.Mount.FsType).ToList(),
                PvcNamespace = parameters.PvcNamespace,
                PvcName = parameters.PvcName,
                PvName = parameters.PvName,
                Source = source,
                Encryption = parameters.Encryption,
                IoLimits = ioLimits,
            },
            context.CancellationToken).ConfigureAwait(false);
        return new CreateVolumeResponse { Volume = ToCsi(volume) };
    });

    public override Task<DeleteVolumeResponse> DeleteVolume(DeleteVolumeRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        var volumeId = CsiValidation.Id(request.VolumeId, "volume_id");
        await _engine.DeleteAsync(volumeId, context.CancellationToken).ConfigureAwait(false);
        return new DeleteVolumeResponse();
    });

    public override Task<ValidateVolumeCapabilitiesResponse> ValidateVolumeCapabilities(ValidateVolumeCapabilitiesRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        var volumeId = CsiValidation.Id(request.VolumeId, "volume_id");
        if (request.VolumeCapabilities.Count == 0)
        {
            throw CsiErrors.Invalid("volume_capabilities is required");
        }

        Parameters(request.Parameters);
        _ = await _engine.GetAsync(volumeId, context.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"volume {volumeId} does not exist"));
        var problems = request.VolumeCapabilities.Select(CsiValidation.Unsupported).OfType<string>().ToList();
        if (problems.Count > 0)
        {
            return new ValidateVolumeCapabilitiesResponse { Message = string.Join("; ", problems) };
        }

        var confirmed = new ValidateVolumeCapabilitiesResponse.Types.Confirmed();
        confirmed.VolumeCapabilities.Add(request.VolumeCapabilities);
        confirmed.VolumeContext.Add(request.VolumeContext);
        confirmed.Parameters.Add(request.Parameters);
        confirmed.MutableParameters.Add(request.MutableParameters);
        return new ValidateVolumeCapabilitiesResponse { Confirmed = confirmed };
    });

    public override Task<ListVolumesResponse> ListVolumes(ListVolumesRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        if (request.MaxEntries < 0)
        {
            throw CsiErrors.Invalid("max_entries cannot be negative");
        }

        // The token is the id of the last volume returned; the next page starts after it,
        // so volumes deleted between pages never make the listing skip or repeat others.
        if (request.StartingToken.Length > 0 && !Volumes.Naming.VolumeId.TryParse(request.StartingToken, out _))
        {
            throw new RpcException(new Status(StatusCode.Aborted, $"starting_token '{request.StartingToken}' was not issued by this plugin"));
        }

        var volumes = await _engine.ListAsync(context.CancellationToken).ConfigureAwait(false);
        var start = request.StartingToken.Length == 0 ? 0
            : volumes.Count(v => string.CompareOrdinal(v.Id.ToString(), request.StartingToken) <= 0);

        var take = request.MaxEntries > 0 ? request.MaxEntries : int.MaxValue;
        var page = volumes.Skip(start).Take(take).ToList();
        var response = new ListVolumesResponse();
        foreach (var volume in page)
        {
            response.Entries.Add(new ListVolumesResponse.Types.Entry
            {
                Volume = ToCsi(volume),
                Status = new ListVolumesResponse.Types.VolumeStatus { VolumeCondition = Condition(Volumes.VolumeHealth.FromLvm(volume)) },
            });
        }

        if (start + page.Count < volumes.Count && page.Count > 0)
        {
            response.NextToken = page[^1].Id.ToString();
        }

        return response;
    });

    public override Task<GetCapacityResponse> GetCapacity(GetCapacityRequest request, ServerCallContext context) => CsiErrors.Guard(() =>
    {
        var parameters = Parameters(request.Parameters);
        if (_engine.Classes.RefusalReason is not null)
        {
            // A node configured to provision nothing has no capacity for any class.
            return Task.FromResult(new GetCapacityResponse { AvailableCapacity = 0, MaximumVolumeSize = 0 });
        }

        var deviceClass = _engine.ResolveClass(parameters.DeviceClass);
        if ((request.AccessibleTopology is { } topology && !CsiTopology.Allows(topology, _nodeId))
            || request.VolumeCapabilities.Any(c => CsiValidation.Unsupported(c) is not null))
        {
            return Task.FromResult(new GetCapacityResponse { AvailableCapacity = 0, MaximumVolumeSize = 0 });
        }

        var capacity = _engine.GetCapacity(deviceClass);
        return Task.FromResult(new GetCapacityResponse
        {
            AvailableCapacity = capacity.AvailableBytes,
            MaximumVolumeSize = capacity.MaximumVolumeBytes,
        });
    });

    public override Task<ControllerGetVolumeResponse> ControllerGetVolume(ControllerGetVolumeRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        var volumeId = CsiValidation.Id(request.VolumeId, "volume_id");
        var volume = await _engine.GetAsync(volumeId, context.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"volume {volumeId} does not exist"));
        return new ControllerGetVolumeResponse
        {
            Volume = ToCsi(volume),
            Status = new ControllerGetVolumeResponse.Types.VolumeStatus { VolumeCondition = Condition(await _engine.ConditionAsync(volume, context.CancellationToken).ConfigureAwait(false)) },
        };
    });

    public override Task<CreateSnapshotResponse> CreateSnapshot(CreateSnapshotRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        var name = CsiValidation.Id(request.Name, "name");
        var sourceVolumeId = CsiValidation.Id(request.SourceVolumeId, "source_volume_id");
        foreach (var key in request.Parameters.Keys.Where(k => !k.StartsWith(SnapshotterPrefix, StringComparison.Ordinal)))
        {
            throw CsiErrors.Invalid($"unknown snapshot parameter '{key}': Stratum's VolumeSnapshotClasses take none (the snapshotter's own {SnapshotterPrefix}* are accepted)");
        }

        var snapshot = await _engine.Snapshots.CreateAsync(name, sourceVolumeId, context.CancellationToken).ConfigureAwait(false);
        return new CreateSnapshotResponse { Snapshot = ToCsi(snapshot) };
    });

    public override Task<DeleteSnapshotResponse> DeleteSnapshot(DeleteSnapshotRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        var snapshotId = CsiValidation.Id(request.SnapshotId, "snapshot_id");
        await _engine.Snapshots.DeleteAsync(snapshotId, context.CancellationToken).ConfigureAwait(false);
        return new DeleteSnapshotResponse();
    });

    public override Task<ListSnapshotsResponse> ListSnapshots(ListSnapshotsRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        if (request.MaxEntries < 0)
        {
            throw CsiErrors.Invalid("max_entries cannot be negative");
        }

        // Like ListVolumes: the token is the id of the last snapshot returned.
        if (request.StartingToken.Length > 0 && !Volumes.Naming.VolumeId.TryParse(request.StartingToken, out _))
        {
            throw new RpcException(new Status(StatusCode.Aborted, $"starting_token '{request.StartingToken}' was not issued by this plugin"));
        }

        var snapshots = (await _engine.Snapshots.ListAsync(context.CancellationToken).ConfigureAwait(false))
            .Where(s => request.SnapshotId.Length == 0 || s.Id.ToString() == request.SnapshotId)
            .Where(s => request.SourceVolumeId.Length == 0 || s.Metadata.SourceVolumeId == request.SourceVolumeId)
            .ToList();
        var start = request.StartingToken.Length == 0 ? 0
            : snapshots.Count(s => string.CompareOrdinal(s.Id.ToString(), request.StartingToken) <= 0);
        var take = request.MaxEntries > 0 ? request.MaxEntries : int.MaxValue;
        var page = snapshots.Skip(start).Take(take).ToList();
        var response = new ListSnapshotsResponse();
        response.Entries.Add(page.Select(s => new ListSnapshotsResponse.Types.Entry { Snapshot = ToCsi(s) }));
        if (start + page.Count < snapshots.Count && page.Count > 0)
        {
            response.NextToken = page[^1].Id.ToString();
        }

        return response;
    });

    /// <summary>
    /// Changes a volume's mutable parameters (a PVC's VolumeAttributesClass): its IO limits, which
    /// replace the old ones whole and reach the running pods at once. Unknown and immutable
    /// parameters are INVALID_ARGUMENT on every node. A volume this node does not have is answered
    /// OK once its parameters are valid: the leader-elected external-resizer may call any node's
    /// plugin, and the volume's own node applies the class the resizer then records on the PV
    /// (its VolumeAttributesClass watcher; docs/architecture.md, "Changing IO limits").
    /// </summary>
    public override Task<ControllerModifyVolumeResponse> ControllerModifyVolume(ControllerModifyVolumeRequest request, ServerCallContext context) => CsiErrors.Guard(async () =>
    {
        var volumeId = CsiValidation.Id(request.VolumeId, "volume_id");
        var limits = CsiErrors.Run(() => ParseMutableParameters(request.MutableParameters));
        if (_node is null)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "this plugin has no node side to apply volume changes"));
        }

        if (!VolumeId.TryParse(volumeId, out _))
        {
            // Not a Stratum volume id at all: no node has it.
            throw new RpcException(new Status(StatusCode.NotFound, $"volume {volumeId} is not a Stratum volume id (VG:LV:LV-UUID)"));
        }

        if (await _engine.GetAsync(volumeId, context.CancellationToken).ConfigureAwait(false) is null)
        {
            // Another node's volume: its own node applies the class once the resizer has recorded it on the PV.
            return new ControllerModifyVolumeResponse();
        }

        await _node.ModifyAsync(volumeId, limits, context.CancellationToken).ConfigureAwait(false);
        return new ControllerModifyVolumeResponse();
    });

    public override Task<ControllerGetCapabilitiesResponse> ControllerGetCapabilities(ControllerGetCapabilitiesRequest request, ServerCallContext context) =>
        Task.FromResult(_capabilities);

    private Volume ToCsi(ManagedVolume volume)
    {
        var csi = new Volume
        {
            VolumeId = volume.Id.ToString(),
            CapacityBytes = volume.CapacityBytes,
            AccessibleTopology = { CsiTopology.ForNode(_nodeId) },
            VolumeContext = { [DeviceClassParameter] = volume.Metadata.DeviceClass },
        };
        if (VolumeSource.TryParse(volume.Metadata.Source, out var source))
        {
            csi.ContentSource = source.Kind == VolumeSourceKind.Snapshot
                ? new VolumeContentSource { Snapshot = new VolumeContentSource.Types.SnapshotSource { SnapshotId = source.Id } }
                : new VolumeContentSource { Volume = new VolumeContentSource.Types.VolumeSource { VolumeId = source.Id } };
        }

        return csi;
    }

    private static Snapshot ToCsi(ManagedSnapshot snapshot) => new()
    {
        SnapshotId = snapshot.Id.ToString(),
        SourceVolumeId = snapshot.Metadata.SourceVolumeId,
        SizeBytes = snapshot.SizeBytes,
        CreationTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(snapshot.Metadata.CreatedAt),
        ReadyToUse = snapshot.IsReady,
    };

    /// <summary>The content source of a CreateVolume, checked for shape; null for an empty volume.</summary>
    private static VolumeSource? Source(VolumeContentSource? source) => source?.TypeCase switch
    {
        null or VolumeContentSource.TypeOneofCase.None => null,
        VolumeContentSource.TypeOneofCase.Snapshot => new VolumeSource(VolumeSourceKind.Snapshot, CsiValidation.Id(source.Snapshot.SnapshotId, "volume_content_source.snapshot.snapshot_id")),
        VolumeContentSource.TypeOneofCase.Volume => new VolumeSource(VolumeSourceKind.Volume, CsiValidation.Id(source.Volume.VolumeId, "volume_content_source.volume.volume_id")),
        _ => throw CsiErrors.Invalid($"volume_content_source of type {source.TypeCase} is not supported"),
    };

    /// <summary>ListVolumes reports LVM's view (one report for every volume); ControllerGetVolume checks the device too.</summary>
    private static VolumeCondition Condition(Volumes.VolumeHealthReport health) => new() { Abnormal = health.Abnormal, Message = health.Message };

    private static (long Required, long Limit) Range(CapacityRange? range)
    {
        if (range is null)
        {
            return (0, 0);
        }

        if (range.RequiredBytes < 0 || range.LimitBytes < 0)
        {
            throw CsiErrors.Invalid("capacity_range bytes cannot be negative");
        }

        if (range.LimitBytes > 0 && range.RequiredBytes > range.LimitBytes)
        {
            throw CsiErrors.Invalid($"capacity_range required_bytes {range.RequiredBytes} exceeds limit_bytes {range.LimitBytes}");
        }

        return (range.RequiredBytes, range.LimitBytes);
    }

    private static ParsedParameters Parameters(IDictionary<string, string> parameters)
    {
        string? deviceClass = null, pvcNamespace = null, pvcName = null, pvName = null, encryption = null;
        foreach (var (key, value) in parameters)
        {
            switch (key)
            {
                case DeviceClassParameter:
                    deviceClass = value;
                    break;
                case EncryptionParameter:
                    encryption = value == Volumes.Metadata.VolumeMetadata.Luks2
                        ? value
                        : throw CsiErrors.Invalid($"parameter '{EncryptionParameter}' can only be '{Volumes.Metadata.VolumeMetadata.Luks2}' (got '{value}')");
                    break;
                case var io when IoLimitSettings.IsParameter(io):
                    break; // read by IoLimitSettings.Parse
                case StratumNames.NodeLossPolicyParameter:
                    // Read by stratum controller (what to do with the claim when its node is deleted); checked here so a typo fails at provisioning.
                    if (NodeLossPolicies.Parse(value) is null)
                    {
                        throw CsiErrors.Invalid($"parameter '{key}' must be '{NodeLossPolicies.Keep}' (the default) or '{NodeLossPolicies.Release}', not '{value}'");
                    }

                    break;
                case ProvisionerPrefix + "pvc/namespace":
                    pvcNamespace = value;
                    break;
                case ProvisionerPrefix + "pvc/name":
                    pvcName = value;
                    break;
                case ProvisionerPrefix + "pv/name":
                    pvName = value;
                    break;
                default:
                    if (!key.StartsWith(ProvisionerPrefix, StringComparison.Ordinal))
                    {
                        throw CsiErrors.Invalid(
                            $"unknown parameter '{key}': Stratum's StorageClass parameters are '{DeviceClassParameter}', '{EncryptionParameter}', '{StratumNames.NodeLossPolicyParameter}', " +
                            $"{string.Join(", ", IoLimitSettings.ParameterNames.Select(n => $"'{n}'"))} (and the provisioner's own {ProvisionerPrefix}*)");
                    }

                    break;
            }
        }

        return new ParsedParameters(deviceClass, pvcNamespace, pvcName, pvName, encryption);
    }

    /// <summary>Checks that mutable parameters (a VolumeAttributesClass's) name only what can change: the IO limits.</summary>
    /// <summary>
    /// A VolumeAttributesClass's parameters (ControllerModifyVolume's or CreateVolume's
    /// <c>mutable_parameters</c>, or a class the node's own watcher reads): only the IO limits may
    /// appear; an immutable StorageClass parameter, an unknown one or a bad value is
    /// <see cref="VolumeError.InvalidArgument"/>. The one check for every path.
    /// </summary>
    public static IoLimitSettings ParseMutableParameters(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToList();
        foreach (var (key, _) in list)
        {
            if (key is DeviceClassParameter or EncryptionParameter)
            {
                throw new VolumeException(VolumeError.InvalidArgument,
                    $"parameter '{key}' cannot change after a volume is created; only the IO limits can ({string.Join(", ", IoLimitSettings.ParameterNames)})");
            }

            if (!IoLimitSettings.IsParameter(key))
            {
                throw new VolumeException(VolumeError.InvalidArgument,
                    $"unknown mutable parameter '{key}': Stratum can change {string.Join(", ", IoLimitSettings.ParameterNames)}");
            }
        }

        return IoLimitSettings.Parse(list);
    }

    private sealed record ParsedParameters(string? DeviceClass, string? PvcNamespace, string? PvcName, string? PvName, string? Encryption);
}
