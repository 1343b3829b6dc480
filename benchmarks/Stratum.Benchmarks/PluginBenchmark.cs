using System.Diagnostics;
using Stratum.Csi.V1;

namespace Stratum.Benchmarks;

/// <summary>
/// The published <c>stratum node</c> as kubelet and the sidecars meet it, in interleaved rounds
/// (each round starts a fresh process per variant; figures are medians over rounds): spawn to
/// socket and to first Probe answered, idle RSS, Probe round-trip latency over one warm
/// connection (p50/p99), RSS after those calls, and the wall time of a one-shot
/// <c>stratum csi probe</c> (what an exec probe or an operator pays).
/// </summary>
internal static class PluginBenchmark
{
    /// <summary>Probes whose latency is not counted: both ends warm up.</summary>
    private const int WarmUpCalls = 1000;

    /// <summary>
    /// One way to run the binary: a name and the environment it gets (GC knobs, for comparisons),
    /// and optionally another binary (a build to compare with, e.g. the one before a change).
    /// </summary>
    public sealed record Variant(string Name, IReadOnlyDictionary<string, string> Environment, string? Binary = null);

    public static async Task RunAsync(Report report, string stratum, int rounds, int calls, int oneShots, IReadOnlyList<Variant> variants)
    {
        var samples = variants.ToDictionary(v => v.Name, _ => new Samples());
        for (var round = 1; round <= rounds; round++)
        {
            Console.Error.WriteLine($"plugin: round {round} of {rounds}");
            foreach (var variant in round % 2 == 1 ? variants : variants.Reverse())
            {
                await MeasureAsync(variant.Binary ?? stratum, variant, calls, oneShots, samples[variant.Name]);
            }
        }

        foreach (var variant in variants)
        {
            var s = samples[variant.Name];
            var suffix = variants.Count > 1 ? $" [{variant.Name}]" : "";
            var how = $"median of {rounds} rounds";
            report.AddMedian("start to socket" + suffix, s.ToSocket, "ms", 100, $"spawn to socket file; {how}");
            report.AddMedian("start to first Probe answered" + suffix, s.ToServing, "ms", null, how);
            report.AddMedian("idle RSS" + suffix, s.IdleRss, "MiB", 22, $"1 s after the first Probe; {how}");
            report.AddMedian("Probe p50" + suffix, s.P50, "ms", 0.3, $"{calls - WarmUpCalls} timed of {calls} sequential calls, one connection; {how}");
            report.AddMedian("Probe p99" + suffix, s.P99, "ms", 1, $"same calls; {how}");
            report.AddMedian($"RSS after {calls} Probes" + suffix, s.LoadedRss, "MiB", 30, $"1 s after the last call; {how}");
            if (oneShots > 0)
            {
                report.AddMedian("one-shot `stratum csi probe`" + suffix, s.OneShot, "ms", 50, $"spawn to exit, median of {oneShots} per round; {how}");
            }
        }
    }

    private static async Task MeasureAsync(string stratum, Variant variant, int calls, int oneShots, Samples s)
    {
        await using var plugin = await StratumProcess.StartAsync(stratum, environment: variant.Environment);
        s.ToSocket.Add(plugin.StartToSocketMs);
        s.ToServing.Add(plugin.StartToServingMs);
        await Task.Delay(1000);
        s.IdleRss.Add(plugin.RssMiB());

        if (oneShots > 0)
        {
            var times = new List<double>();
            for (var i = 0; i < oneShots; i++)
            {
                times.Add(await OneShotProbeAsync(stratum, plugin.Socket, variant.Environment));
            }

            s.OneShot.Add(Stats.Median(times));
        }

        var request = new ProbeRequest();
        var latencies = new List<double>(calls);
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await plugin.Client.Identity.ProbeAsync(request);
            if (i >= WarmUpCalls)
            {
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        latencies.Sort();
        s.P50.Add(Stats.Percentile(latencies, 50));
        s.P99.Add(Stats.Percentile(latencies, 99));
        await Task.Delay(1000);
        s.LoadedRss.Add(plugin.RssMiB());
    }

    /// <summary>Spawn to exit of <c>stratum csi probe</c>; it must succeed.</summary>
    private static async Task<double> OneShotProbeAsync(string stratum, string socket, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(stratum) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "csi", "probe", "--endpoint", "unix://" + socket })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"stratum csi probe exited with {process.ExitCode}: {await stdout}{await stderr}");
        }

        return elapsed;
    }

    private sealed class Samples
    {
        public List<double> ToSocket { get; } = [];

        public List<double> ToServing { get; } = [];

        public List<double> IdleRss { get; } = [];

        public List<double> P50 { get; } = [];

        public List<double> P99 { get; } = [];

        public List<double> LoadedRss { get; } = [];

        public List<double> OneShot { get; } = [];
    }
}
