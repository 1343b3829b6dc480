using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;

namespace Stratum.Benchmarks;

/// <summary>
/// A <c>stratum node</c> child process on a Unix socket in a fresh directory, with a warm client:
/// how long it took to create its socket and to answer its first Probe, and its RSS.
/// </summary>
internal sealed class StratumProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private StderrLines _stderr = new();

    private StratumProcess(Process process, string directory, string socket, CsiClient client, double toSocketMs, double toServingMs)
    {
        _process = process;
        _directory = directory;
        Socket = socket;
        Client = client;
        StartToSocketMs = toSocketMs;
        StartToServingMs = toServingMs;
    }

    public CsiClient Client { get; }

    public string Socket { get; }

    /// <summary>Spawn to the socket file existing.</summary>
    public double StartToSocketMs { get; }

    /// <summary>Spawn to the first Probe answered.</summary>
    public double StartToServingMs { get; }

    public int Pid => _process.Id;

    /// <summary>Called with each line the plugin writes to stderr (its log) from now on.</summary>
    public Action<string>? OnStderrLine
    {
        get => _stderr.Listener;
        set => _stderr.Listener = value;
    }

    /// <param name="stratum">The binary.</param>
    /// <param name="extraArgs">More <c>stratum node</c> arguments (e.g. --config).</param>
    /// <param name="environment">Variables set for the process (e.g. PATH with a recorder first, GC knobs).</param>
    /// <param name="directory">Where the socket goes (default: a new directory under /tmp; in the VM it must be on /run).</param>
    /// <param name="waitReady">Also wait until Probe says ready (start-up recovery and rediscovery done), then 1 s more.</param>
    public static async Task<StratumProcess> StartAsync(string stratum, IEnumerable<string>? extraArgs = null, IReadOnlyDictionary<string, string>? environment = null, string? directory = null, bool waitReady = false)
    {
        directory ??= Path.Combine(Path.GetTempPath(), "stratum-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var socket = Path.Combine(directory, "csi.sock");
        var start = new ProcessStartInfo(stratum) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        var args = extraArgs?.ToList() ?? [];
        if (!args.Contains("--log-level"))
        {
            args.AddRange(["--log-level", "Warning"]);
        }

        foreach (var arg in new[] { "node", "--endpoint", "unix://" + socket, "--node-id", "bench" }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var client = new CsiClient(ServerEndpoint.Parse("unix://" + socket));

        // Warm the client's own code first (it fails: nothing listens yet), so only the plugin's start is timed.
        await client.Identity.ProbeAsync(new ProbeRequest()).ResponseAsync.ContinueWith(_ => { }, TaskScheduler.Default);
        var started = Stopwatch.GetTimestamp();
        var process = new Process { StartInfo = start };
        var lines = new StderrLines();
        process.ErrorDataReceived += (_, e) => lines.Add(e.Data);
        process.OutputDataReceived += (_, _) => { };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        double toSocket;
        while (true)
        {
            if (File.Exists(socket))
            {
                toSocket = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                break;
            }

            if (process.HasExited || Stopwatch.GetElapsedTime(started) > TimeSpan.FromMinutes(2))
            {
                throw new InvalidOperationException($"{stratum} node did not create its socket (exit code {(process.HasExited ? process.ExitCode : "none, still running")}): {lines.Tail()}");
            }

            Thread.Sleep(1);
        }

        while (true)
        {
            try
            {
                await client.Identity.ProbeAsync(new ProbeRequest(), deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync;
                break;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal && !process.HasExited && Stopwatch.GetElapsedTime(started) < TimeSpan.FromMinutes(2))
            {
                // The socket exists a moment before the server takes connections.
                await Task.Delay(1);
            }
        }

        var toServing = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        while (waitReady && (await client.Identity.ProbeAsync(new ProbeRequest(), deadline: DateTime.UtcNow.AddSeconds(30))).Ready != true)
        {
            if (process.HasExited || Stopwatch.GetElapsedTime(started) > TimeSpan.FromMinutes(5))
            {
                throw new InvalidOperationException($"{stratum} node did not report ready: {lines.Tail()}");
            }

            await Task.Delay(100);
        }

        if (waitReady)
        {
            await Task.Delay(1000);
        }

        return new StratumProcess(process, directory, socket, client, toSocket, toServing) { _stderr = lines };
    }

    /// <summary>Resident set size now, MiB.</summary>
    public double RssMiB() => ReadRssKiB(_process.Id) / 1024.0;

    public static long ReadRssKiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no VmRSS for process {pid}");
    }

    /// <summary>SIGTERM, then waits for the drain; the exit code must be 0.</summary>
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill!.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var code = _process.ExitCode;
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }

        if (code != 0)
        {
            throw new InvalidOperationException($"stratum node exited with {code} after SIGTERM: {_stderr.Tail()}");
        }
    }

    /// <summary>The last lines of the plugin's log (for errors), and a listener for new ones.</summary>
    private sealed class StderrLines
    {
        private readonly Queue<string> _tail = new();

        public Action<string>? Listener { get; set; }

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_tail)
            {
                _tail.Enqueue(line);
                if (_tail.Count > 20)
                {
                    _tail.Dequeue();
                }
            }

            Listener?.Invoke(line);
        }

        public string Tail()
        {
            lock (_tail)
            {
                return string.Join("\n", _tail);
            }
        }
    }
}
