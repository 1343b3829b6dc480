using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Harness;

/// <summary>
/// Writes the product's log lines into the current test's output (the runner prints them under
/// the test), so a failing real-LVM test shows which commands ran and what LVM said. Information
/// and above by default: that is every failed command and every change; <c>STRATUM_TEST_LOG=debug</c>
/// adds every successful command line too.
/// </summary>
public sealed class TestOutputLogger<T>(ITestOutputHelper output) : ILogger<T>
{
    private static readonly LogLevel Minimum =
        string.Equals(Environment.GetEnvironmentVariable("STRATUM_TEST_LOG"), "debug", StringComparison.OrdinalIgnoreCase)
            ? LogLevel.Debug
            : LogLevel.Information;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= Minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        try
        {
            output.WriteLine($"{logLevel.ToString()[..4].ToLowerInvariant()}: {formatter(state, exception)}");
        }
        catch (InvalidOperationException)
        {
            // No test is running any more (a late line from a background task): nowhere to write it.
        }
    }
}
