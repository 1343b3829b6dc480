using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Stratum.Csi.Hosting;

/// <summary>Builds the process-wide logger factory: one line per event on stderr, text or JSON.</summary>
public static class StratumLogging
{
    public static ILoggerFactory Create(LogLevel level, LogFormat format) =>
        LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(level);
            builder.AddFilter("Microsoft", LogLevel.Warning);
            if (format == LogFormat.Json)
            {
                builder.AddJsonConsole(o =>
                {
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    o.UseUtcTimestamp = true;
                });
            }
            else
            {
                builder.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                    o.UseUtcTimestamp = true;
                    o.ColorBehavior = LoggerColorBehavior.Disabled;
                });
            }

            builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });
}
