using Microsoft.Extensions.Logging;

namespace Stratum.Kube.NodeLoss;

/// <summary>Log messages of the node-loss controller (event ids 7200-7299).</summary>
internal static partial class NodeLossLog
{
    [LoggerMessage(EventId = 7200, EventName = "NodeDeleted", Level = LogLevel.Information,
        Message = "Node {Node} was deleted")]
    public static partial void NodeDeleted(ILogger logger, string node);

    [LoggerMessage(EventId = 7201, EventName = "NodeLossClaimReleased", Level = LogLevel.Warning,
        Message = "Released claim {Namespace}/{Claim} (volume {PvName} was on deleted node {Node}; nodeLossPolicy release)")]
    public static partial void ClaimReleased(ILogger logger, string @namespace, string claim, string pvName, string node);

    [LoggerMessage(EventId = 7202, EventName = "NodeLossPodDeleted", Level = LogLevel.Information,
        Message = "Deleted pod {Namespace}/{Pod}, which held released claim {Claim}")]
    public static partial void PodDeleted(ILogger logger, string @namespace, string pod, string claim);

    [LoggerMessage(EventId = 7203, EventName = "NodeLossVolumeDeleted", Level = LogLevel.Information,
        Message = "Deleted PersistentVolume {PvName} of deleted node {Node} (its claim is gone; reclaim policy Delete)")]
    public static partial void VolumeDeleted(ILogger logger, string pvName, string node);

    [LoggerMessage(EventId = 7204, EventName = "NodeLossTooMany", Level = LogLevel.Error,
        Message = "{Lost} of the {Total} nodes holding Stratum volumes look deleted at once ({Nodes}); releasing nothing: this looks like a broken view of the cluster, not lost nodes")]
    public static partial void TooManyLost(ILogger logger, int lost, int total, string nodes);

    [LoggerMessage(EventId = 7205, EventName = "NodeLossBadPolicy", Level = LogLevel.Warning,
        Message = "StorageClass {StorageClass} has nodeLossPolicy '{Value}', which is neither keep nor release; PV {PvName} is kept")]
    public static partial void BadPolicy(ILogger logger, string storageClass, string value, string pvName);

    [LoggerMessage(EventId = 7206, EventName = "NodeLossClassMissing", Level = LogLevel.Warning,
        Message = "PV {PvName} names StorageClass {StorageClass}, which no longer exists; its claim is kept")]
    public static partial void ClassMissing(ILogger logger, string pvName, string storageClass);

    [LoggerMessage(EventId = 7207, EventName = "NodeLossEventFailed", Level = LogLevel.Warning,
        Message = "Could not record Event {Reason} on claim {Namespace}/{Claim}: {Error}")]
    public static partial void EventFailed(ILogger logger, string reason, string @namespace, string claim, string error);

    [LoggerMessage(EventId = 7208, EventName = "NodeLossPassFailed", Level = LogLevel.Warning,
        Message = "Node-loss pass failed ({Error}); it runs again on the next change or resync")]
    public static partial void PassFailed(ILogger logger, string error);
}
