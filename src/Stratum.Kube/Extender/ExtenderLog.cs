using Microsoft.Extensions.Logging;

namespace Stratum.Kube.Extender;

/// <summary>Log messages of the scheduler extender (event ids 7400-7499).</summary>
internal static partial class ExtenderLog
{
    [LoggerMessage(EventId = 7400, EventName = "ExtenderServing", Level = LogLevel.Information,
        Message = "Scheduler extender serving at {Address} (scoring {Policy})")]
    public static partial void Serving(ILogger logger, string address, string policy);

    [LoggerMessage(EventId = 7401, EventName = "ExtenderFiltered", Level = LogLevel.Debug,
        Message = "Filter for pod {Pod}: {Claims} Stratum claims, {Passed} nodes fit, {Failed} do not")]
    public static partial void Filtered(ILogger logger, string pod, int claims, int passed, int failed);

    [LoggerMessage(EventId = 7402, EventName = "ExtenderNotCurrent", Level = LogLevel.Warning,
        Message = "Filter for pod {Pod}: capacity caches are not current; every node passes (the scheduler's own checks still apply)")]
    public static partial void NotCurrent(ILogger logger, string pod);
}
