using Microsoft.Extensions.Logging;

namespace Stratum.Kube.Leader;

/// <summary>Log messages of leader election (event ids 7300-7399).</summary>
internal static partial class LeaderLog
{
    [LoggerMessage(EventId = 7300, EventName = "LeaderCampaigning", Level = LogLevel.Information,
        Message = "{Identity} is waiting to lead (lease {Namespace}/{LeaseName})")]
    public static partial void Campaigning(ILogger logger, string identity, string @namespace, string leaseName);

    [LoggerMessage(EventId = 7301, EventName = "LeaderAcquired", Level = LogLevel.Information,
        Message = "{Identity} is now the leader (lease {Namespace}/{LeaseName})")]
    public static partial void Acquired(ILogger logger, string identity, string @namespace, string leaseName);

    [LoggerMessage(EventId = 7302, EventName = "LeaderLost", Level = LogLevel.Warning,
        Message = "{Identity} stopped leading: {Why}")]
    public static partial void Lost(ILogger logger, string identity, string why);

    [LoggerMessage(EventId = 7303, EventName = "LeaderReleased", Level = LogLevel.Information,
        Message = "{Identity} released the lease")]
    public static partial void Released(ILogger logger, string identity);

    [LoggerMessage(EventId = 7304, EventName = "LeaderAttemptFailed", Level = LogLevel.Warning,
        Message = "Lease update failed: {Error}")]
    public static partial void AttemptFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 7305, EventName = "LeaderWorkFailed", Level = LogLevel.Error,
        Message = "The leader's work failed; leadership is given up so another replica can try")]
    public static partial void WorkFailed(ILogger logger, Exception exception);
}
