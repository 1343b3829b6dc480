using Microsoft.Extensions.Logging;

namespace Stratum.Kube;

/// <summary>Log messages of the Kubernetes-facing code (event ids 7000-7099: informers and client).</summary>
internal static partial class KubeLog
{
    [LoggerMessage(EventId = 7000, EventName = "InformerListed", Level = LogLevel.Debug,
        Message = "Listed {Path}: {Count} objects at resourceVersion {ResourceVersion} in {ElapsedMs} ms")]
    public static partial void Listed(ILogger logger, string path, int count, string resourceVersion, long elapsedMs);

    [LoggerMessage(EventId = 7001, EventName = "InformerWatchExpired", Level = LogLevel.Information,
        Message = "Watch of {Path} from resourceVersion {ResourceVersion} expired (410 Gone); listing again")]
    public static partial void WatchExpired(ILogger logger, string path, string resourceVersion);

    [LoggerMessage(EventId = 7002, EventName = "InformerFailed", Level = LogLevel.Warning,
        Message = "List/watch of {Path} failed ({Error}); the cache is not current; retrying in {BackoffMs} ms")]
    public static partial void InformerFailed(ILogger logger, string path, string error, long backoffMs);
}
