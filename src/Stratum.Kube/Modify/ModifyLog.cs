using Microsoft.Extensions.Logging;

namespace Stratum.Kube.Modify;

/// <summary>Log messages of the VolumeAttributesClass watcher in <c>stratum node</c> (event ids 7600-7699).</summary>
internal static partial class ModifyLog
{
    [LoggerMessage(EventId = 7600, EventName = "VolumeAttributesApplied", Level = LogLevel.Information,
        Message = "Applied VolumeAttributesClass {ClassName} of PersistentVolume {PvName} to volume {VolumeId}")]
    public static partial void Applied(ILogger logger, string pvName, string volumeId, string className);

    [LoggerMessage(EventId = 7601, EventName = "VolumeAttributesApplyFailed", Level = LogLevel.Warning,
        Message = "Could not apply VolumeAttributesClass {ClassName} of PersistentVolume {PvName} to volume {VolumeId} ({Error}); retrying")]
    public static partial void ApplyFailed(ILogger logger, string pvName, string volumeId, string className, string error);

    [LoggerMessage(EventId = 7602, EventName = "VolumeAttributesNotApplicable", Level = LogLevel.Warning,
        Message = "PersistentVolume {PvName} keeps its limits: {Problem}")]
    public static partial void ClassNotApplicable(ILogger logger, string pvName, string problem);

    [LoggerMessage(EventId = 7603, EventName = "VolumeAttributesVolumesUnavailable", Level = LogLevel.Warning,
        Message = "VolumeAttributesClass reconcile skipped: this node's volumes could not be listed ({Error})")]
    public static partial void VolumesUnavailable(ILogger logger, string error);

    [LoggerMessage(EventId = 7604, EventName = "VolumeAttributesPassFailed", Level = LogLevel.Error,
        Message = "VolumeAttributesClass reconcile failed ({Error}); retrying")]
    public static partial void PassFailed(ILogger logger, string error);
}
