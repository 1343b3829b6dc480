using Microsoft.Extensions.Logging;

namespace Stratum.Metrics;

/// <summary>Log messages of the metrics endpoint (event ids 7900-7909).</summary>
internal static partial class MetricsLog
{
    [LoggerMessage(EventId = 7900, EventName = "MetricsServing", Level = LogLevel.Information,
        Message = "Serving Prometheus metrics at {Address}")]
    public static partial void Serving(ILogger logger, string address);
}
