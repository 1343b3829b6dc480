using Microsoft.Extensions.Logging;
using Stratum.Csi.Hosting;
using Stratum.Kube.Hosting;

namespace Stratum.Kube.Tests;

public sealed class ControllerHostTests : FakeApiTest
{
    [Fact]
    public async Task Run_CachesSynced_HandsBackStartUpMemoryOnce()
    {
        using var lines = new StringWriter();
        var log = TextWriter.Synchronized(lines);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var options = new ControllerOptions { Server = Server.BaseAddress.ToString(), Namespace = "stratum", Identity = "test-0" };
        int code;
        using (var loggers = StratumLogging.Create(LogLevel.Debug, LogFormat.Text, log))
        {
            var run = ControllerHost.RunAsync(options, loggers, stop.Token);

            // Each of the five caches watches only after its first list; the hand-back follows the last of those.
            await Eventually.TrueAsync(() => Server.Store.WatchCount >= 5, "the controller watches", TimeSpan.FromSeconds(30));
            await stop.CancelAsync();
            code = await run;
        }

        Assert.Equal(0, code);
        var settled = lines.ToString().Split('\n').Where(line => line.Contains("Stratum.Controller[7503]", StringComparison.Ordinal)).ToList();
        Assert.Contains("Caches synced, start-up done", Assert.Single(settled), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_StoppedBeforeTheCachesSynced_ExitsWithoutHandingBack()
    {
        using var lines = new StringWriter();
        var log = TextWriter.Synchronized(lines);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var options = new ControllerOptions { Server = Server.BaseAddress.ToString(), Namespace = "stratum", Identity = "test-0" };
        Server.Faults.Unreachable = true;
        int code;
        using (var loggers = StratumLogging.Create(LogLevel.Debug, LogFormat.Text, log))
        {
            var run = ControllerHost.RunAsync(options, loggers, stop.Token);
            await Eventually.TrueAsync(() => Server.Requests.Count >= 5, "the controller tries to list");
            await stop.CancelAsync();
            code = await run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(0, code);
        Assert.DoesNotContain("Stratum.Controller[7503]", lines.ToString(), StringComparison.Ordinal);
    }
}
