using Microsoft.Extensions.Logging;

namespace Stratum.Csi.Hosting;

/// <summary>
/// Builds the process-wide logger factory: one line per event on stderr, text or JSON.
/// Deliberately small (no DI container, options or console-formatter machinery): a per-node
/// plugin should start fast and idle in little memory.
/// </summary>
public static class StratumLogging
{
    public static ILoggerFactory Create(LogLevel level, LogFormat format, TextWriter? destination = null)
    {
        var filters = new LoggerFilterOptions { MinLevel = level };
        filters.Rules.Add(new LoggerFilterRule(null, "Microsoft", LogLevel.Warning, null));
        // grpc-dotnet reports every non-OK status at Information; Stratum's own line per call says it already.
        filters.Rules.Add(new LoggerFilterRule(null, "Grpc", LogLevel.Warning, null));
        return new LoggerFactory([new LineLoggerProvider(destination ?? Console.Error, format)], filters);
    }
}
