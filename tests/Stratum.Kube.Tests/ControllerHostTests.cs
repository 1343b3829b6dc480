using Microsoft.Extensions.Logging;
using Stratum.Csi.Hosting;
using Stratum.Kube.Hosting;

namespace Stratum.Kube.Tests;

public sealed class ControllerHostTests : FakeApiTest
{
    private const string SettledEvent = "Stratum.Controller[7503]";

    [Fact]
    public async Task Run_CachesSynced_HandsBackStartUpMemoryOnce()
    {
        // Each of the five caches watches only after its first list; the hand-back follows the last of those.
        var (code, log) = await RunUntilAsync(() => Server.Store.WatchCount >= 5, "the controller watches");

        Assert.Equal(0, code);
        var settled = log.Split('\n').Where(line => line.Contains(SettledEvent, StringComparison.Ordinal)).ToList();
        Assert.Contains("Caches synced, start-up done", Assert.Single(settled), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_StoppedBeforeTheCachesSynced_ExitsWithoutHandingBack()
    {
        Server.Faults.Unreachable = true;

        var (code, log) = await RunUntilAsync(() => Server.Requests.Count >= 5, "the controller tries to list");

        Assert.Equal(0, code);
        Assert.DoesNotContain(SettledEvent, log, StringComparison.Ordinal);
    }

    /// <summary>Runs the controller (Debug log) until <paramref name="condition"/>, stops it, and returns its exit code and log.</summary>
    private async Task<(int Code, string Log)> RunUntilAsync(Func<bool> condition, string what)
    {
        using var lines = new StringWriter();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var options = new ControllerOptions { Server = Server.BaseAddress.ToString(), Namespace = "stratum", Identity = "test-0" };
        int code;
        using (var loggers = StratumLogging.Create(LogLevel.Debug, LogFormat.Text, TextWriter.Synchronized(lines)))
        {
            var run = ControllerHost.RunAsync(options, loggers, stop.Token);
            await Eventually.TrueAsync(condition, what, TimeSpan.FromSeconds(30));
            await stop.CancelAsync();
            code = await run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        return (code, lines.ToString());
    }
}
