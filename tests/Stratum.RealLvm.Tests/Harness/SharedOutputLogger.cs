using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Harness;

/// <summary>
/// A logger factory for components that outlive one test (a class fixture's): every entry is kept
/// for assertions, and written into the output of the test running at the time (set <see cref="Output"/>).
/// </summary>
public sealed class SharedOutputLogger : ILoggerFactory, ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, int EventId, string Message)> Entries { get; } = new();

    /// <summary>The running test's output, or null between tests.</summary>
    public ITestOutputHelper? Output { get; set; }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(SharedOutputLogger owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            owner.Entries.Enqueue((logLevel, eventId.Id, message));
            try
            {
                owner.Output?.WriteLine($"{logLevel.ToString()[..4].ToLowerInvariant()}: {message}");
            }
            catch (InvalidOperationException)
            {
                // The test that was running has ended.
            }
        }
    }
}
