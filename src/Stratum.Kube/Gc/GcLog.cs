using Microsoft.Extensions.Logging;

namespace Stratum.Kube.Gc;

/// <summary>Log messages of the orphan GC (event ids 7100-7199).</summary>
internal static partial class GcLog
{
    [LoggerMessage(EventId = 7100, EventName = "GcApiUnavailable", Level = LogLevel.Warning,
        Message = "Orphan GC skipped: the Kubernetes API could not be read ({Error}); nothing is decided or deleted without it")]
    public static partial void ApiUnavailable(ILogger logger, string error);

    [LoggerMessage(EventId = 7101, EventName = "GcVolumesUnavailable", Level = LogLevel.Warning,
        Message = "Orphan GC skipped: this node's volumes could not be listed ({Error})")]
    public static partial void VolumesUnavailable(ILogger logger, string error);

    [LoggerMessage(EventId = 7102, EventName = "GcNodeNotRegistered", Level = LogLevel.Warning,
        Message = "Orphan GC skipped: no Node of this cluster has label {TopologyKey}={NodeId} (a kubeconfig for another cluster, or the plugin is not registered yet)")]
    public static partial void NodeNotRegistered(ILogger logger, string nodeId, string topologyKey);

    [LoggerMessage(EventId = 7103, EventName = "GcFinding", Level = LogLevel.Warning,
        Message = "Volume {VolumeGroup}/{LvName} (CSI name {CsiName}) has no PersistentVolume: {Verdict}: {Detail}")]
    public static partial void Finding(ILogger logger, string volumeGroup, string lvName, string csiName, string verdict, string detail);

    [LoggerMessage(EventId = 7104, EventName = "GcDeleted", Level = LogLevel.Warning,
        Message = "Orphan GC deleted volume {VolumeGroup}/{LvName} (CSI name {CsiName}, {SizeBytes} bytes): no PV, no pending claim, past the grace period, not in use")]
    public static partial void Deleted(ILogger logger, string volumeGroup, string lvName, string csiName, long sizeBytes);

    [LoggerMessage(EventId = 7105, EventName = "GcDeleteFailed", Level = LogLevel.Error,
        Message = "Orphan GC could not delete volume {VolumeGroup}/{LvName}: {Error}; it will try again next pass")]
    public static partial void DeleteFailed(ILogger logger, string volumeGroup, string lvName, string error);

    [LoggerMessage(EventId = 7106, EventName = "GcVolumeMissing", Level = LogLevel.Error,
        Message = "PersistentVolume {PvName} (claim {ClaimNamespace}/{ClaimName}) is pinned to this node but its volume {VolumeHandle} is not here")]
    public static partial void VolumeMissing(ILogger logger, string pvName, string volumeHandle, string claimNamespace, string claimName);

    [LoggerMessage(EventId = 7107, EventName = "GcPassCompleted", Level = LogLevel.Information,
        Message = "Orphan GC pass: {Volumes} volumes, {Orphans} orphans, {Deleted} deleted, {Missing} PVs without their volume")]
    public static partial void PassCompleted(ILogger logger, int volumes, int orphans, int deleted, int missing);
}
