using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;

namespace Stratum.Benchmarks;

/// <summary>
/// Measures a real <c>stratum node</c> process: time from spawn to the first answered Probe,
/// Probe round-trip latency over the Unix socket (p50/p99, one warm connection), and RSS.
/// </summary>
internal static class PluginBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var stratum = Arg(args, "--stratum") ?? throw new ArgumentException("--stratum PATH is required");
        var calls = int.Parse(Arg(args, "--calls") ?? "20000", CultureInfo.InvariantCulture);
        var runs = int.Parse(Arg(args, "--runs") ?? "5", CultureInfo.InvariantCulture);
        Console.WriteLine($"stratum binary: {stratum}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}");

        var starts = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            await using var plugin = await Plugin.StartAsync(stratum);
            starts.Add(plugin.StartToServing.TotalMilliseconds);
            if (i < runs - 1)
            {
                continue;
            }

            await Task.Delay(2000);
            var idleRss = plugin.RssKiB();
            var latencies = await ProbeLatencyAsync(plugin.Client, calls);
            await Task.Delay(2000);
            var afterRss = plugin.RssKiB();

            latencies.Sort();
            Console.WriteLine($"start-to-serving (spawn to first Probe answered), {runs} runs: median {Stats.Median(starts):0} ms, min {starts.Min():0} ms, max {starts.Max():0} ms   (goal <= 300 ms)");
            Console.WriteLine($"idle RSS after start: {idleRss / 1024.0:0.0} MB   (goal <= 40 MB)");
            Console.WriteLine($"Probe round trip over {calls} sequential calls: p50 {Stats.Percentile(latencies, 50):0.000} ms, p90 {Stats.Percentile(latencies, 90):0.000} ms, p99 {Stats.Percentile(latencies, 99):0.000} ms, max {latencies[^1]:0.000} ms   (goals p50 <= 0.3 ms, p99 <= 1 ms)");
            Console.WriteLine($"idle RSS after the calls: {afterRss / 1024.0:0.0} MB");
        }

        return 0;
    }

    private static async Task<List<double>> ProbeLatencyAsync(CsiClient client, int calls)
    {
        var request = new ProbeRequest();
        for (var i = 0; i < 2000; i++)
        {
            await client.Identity.ProbeAsync(request); // warm up both ends
        }

        var samples = new List<double>(calls);
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await client.Identity.ProbeAsync(request);
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return samples;
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private sealed class Plugin : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _directory;

        private Plugin(Process process, string directory, CsiClient client, TimeSpan startToServing)
        {
            _process = process;
            _directory = directory;
            Client = client;
            StartToServing = startToServing;
        }

        public CsiClient Client { get; }

        public TimeSpan StartToServing { get; }

        public static async Task<Plugin> StartAsync(string stratum)
        {
            var directory = Path.Combine("/tmp", "stratum-bench-" + Guid.NewGuid().ToString("N")[..8]);
            var socket = Path.Combine(directory, "csi.sock");
            var start = new ProcessStartInfo(stratum) { RedirectStandardError = true };
            foreach (var arg in new[] { "node", "--endpoint", "unix://" + socket, "--node-id", "bench", "--log-level", "Warning" })
            {
                start.ArgumentList.Add(arg);
            }

            var client = new CsiClient(ServerEndpoint.Parse(socket));
            await client.Identity.ProbeAsync(new ProbeRequest()).ResponseAsync.ContinueWith(_ => { }, TaskScheduler.Default); // warm the client's own code first
            var started = Stopwatch.GetTimestamp();
            var process = Process.Start(start)!;
            _ = process.StandardError.ReadToEndAsync();
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"stratum exited with {process.ExitCode}");
                }

                if (File.Exists(socket) || Directory.Exists(directory))
                {
                    try
                    {
                        await client.Identity.ProbeAsync(new ProbeRequest(), deadline: DateTime.UtcNow + TimeSpan.FromSeconds(5)).ResponseAsync;
                        break;
                    }
                    catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
                    {
                    }
                }

                await Task.Delay(1);
            }

            return new Plugin(process, directory, client, Stopwatch.GetElapsedTime(started));
        }

        public long RssKiB()
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
            }

            return -1;
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
            await _process.WaitForExitAsync();
            _process.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
