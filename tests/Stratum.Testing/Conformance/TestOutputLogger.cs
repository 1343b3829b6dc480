using System.Globalization;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Stratum.Testing.Conformance;

/// <summary>
/// Sends the plugin's log to whichever test is running now (the plugin outlives single tests: it
/// belongs to the class fixture). Lines logged between tests are dropped.
/// </summary>
public sealed class TestOutputLogger : ILoggerProvider
{
    private readonly Lock _gate = new();
    private ITestOutputHelper? _current;

    /// <summary>The least severe level written.</summary>
    public LogLevel MinimumLevel { get; init; } = LogLevel.Information;

    /// <summary>Directs the log to <paramref name="output"/> (null: nowhere).</summary>
    public void Attach(ITestOutputHelper? output)
    {
        lock (_gate)
        {
            _current = output;
        }
    }

    /// <summary>A logger factory whose every logger writes here.</summary>
    public ILoggerFactory CreateFactory()
    {
        var filters = new LoggerFilterOptions { MinLevel = MinimumLevel };
        filters.Rules.Add(new LoggerFilterRule(null, "Microsoft", LogLevel.Warning, null));
        return new LoggerFactory([this], filters);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() => Attach(null);

    /// <summary>Writes a line as it is (e.g. the log of a plugin process) to the running test's output.</summary>
    public void Write(string line)
    {
        lock (_gate)
        {
            try
            {
                _current?.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // The test finished while a background task was still logging.
            }
        }
    }

    private sealed class Logger(TestOutputLogger owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.MinimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var time = DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
            var shortCategory = category[(category.LastIndexOf('.') + 1)..];
            var line = $"{time} {logLevel.ToString()[..4].ToLowerInvariant()} {shortCategory}: {formatter(state, exception)}";
            owner.Write(exception is null ? line : $"{line}\n    {exception.GetType().Name}: {exception.Message}");
        }
    }
}
