using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;
using Stratum.Csi.V1;

namespace Stratum.RealLvm.Tests.Harness;

/// <summary>
/// <c>stratum node</c> as a child process that <see cref="KillAsync"/> SIGKILLs together with
/// every command it has running (as a container's end does), with a client on its socket. The binary is the published native one named by <c>STRATUM_BINARY</c> (what
/// tests/real-lvm passes), else the build's <c>stratum.dll</c> run by <c>dotnet</c>.
/// </summary>
public sealed class PluginProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private PluginProcess(Process process, StreamWriter log, string logPath, CsiClient client)
    {
        _process = process;
        _log = log;
        LogPath = logPath;
        Client = client;
    }

    public CsiClient Client { get; }

    /// <summary>The process's stdout and stderr.</summary>
    public string LogPath { get; }

    public int Pid => _process.Id;

    /// <summary>The program and arguments that run <c>stratum</c>.</summary>
    public static IReadOnlyList<string> Command()
    {
        if (Environment.GetEnvironmentVariable("STRATUM_BINARY") is { Length: > 0 } binary && File.Exists(binary))
        {
            return [binary];
        }

        // tests/Stratum.RealLvm.Tests/bin/Release/net10.0 -> the repository's root.
        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/'))!);
        var dll = Path.Combine(root, "src", "Stratum.Cli", "bin", configuration, "net10.0", "stratum.dll");
        return File.Exists(dll)
            ? ["dotnet", dll]
            : throw new InvalidOperationException($"neither STRATUM_BINARY nor {dll} names a stratum to run");
    }

    /// <summary>Starts <c>stratum node</c> and returns once Probe reports ready.</summary>
    public static async Task<PluginProcess> StartAsync(string socketPath, string configPath, string pathPrefix, string logPath, TimeSpan readyTimeout)
    {
        File.Delete(socketPath);
        var command = Command();
        var start = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1).Concat(["node", "--endpoint", "unix://" + socketPath, "--node-id", "crash-node", "--config", configPath, "--shutdown-grace-seconds", "5"]))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PATH"] = pathPrefix + ":" + Environment.GetEnvironmentVariable("PATH");
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {command[0]}");
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        var client = new CsiClient(ServerEndpoint.Parse("unix://" + socketPath));
        var plugin = new PluginProcess(process, log, logPath, client);
        try
        {
            await plugin.WaitUntilReadyAsync(readyTimeout);
            return plugin;
        }
        catch
        {
            await plugin.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// SIGKILL to the plugin and every process below it (the commands it runs), as a container's
    /// end does: the whole tree is stopped first (so nothing forks meanwhile), then killed; returns
    /// once all of them are gone.
    /// </summary>
    public async Task KillAsync()
    {
        var tree = new HashSet<int>();
        for (var round = 0; round < 3; round++)
        {
            foreach (var pid in Tree(Pid).Where(tree.Add))
            {
                _ = Native.kill(pid, Native.SIGSTOP);
            }
        }

        foreach (var pid in Tree(Pid).Concat(tree).Distinct())
        {
            _ = Native.kill(pid, Native.SIGKILL);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (tree.Any(Alive))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"processes of stratum's tree outlived SIGKILL: {string.Join(", ", tree.Where(Alive))}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of the log.</summary>
    public string Tail(int lines = 40)
    {
        lock (_log)
        {
            using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.WaitForExit(); // drains the output handlers
        lock (_log)
        {
            _log.Dispose();
        }

        _process.Dispose();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            if (log.BaseStream.CanWrite)
            {
                log.WriteLine(line);
            }
        }
    }

    /// <summary><paramref name="root"/> and its descendants, from /proc (parent pids).</summary>
    private static List<int> Tree(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } stat)
            {
                parents[pid] = int.Parse(stat[1], CultureInfo.InvariantCulture);
            }
        }

        var tree = new List<int> { root };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        }

        return tree;
    }

    /// <summary>/proc/PID/stat after the command name: state, ppid, pgrp, ...; null once the process is gone.</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool Alive(int pid) => Stat(pid) is { } stat && stat[0] != "Z";

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"stratum node exited with {_process.ExitCode} before serving:\n{Tail()}");
            }

            try
            {
                if ((await Client.Identity.ProbeAsync(new ProbeRequest(), deadline: DateTime.UtcNow.AddSeconds(30))).Ready == true)
                {
                    return;
                }
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled)
            {
                // The socket is not there yet, or the plugin is still starting (on a loaded testbed one probe can outlast its deadline).
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"stratum node did not report ready within {timeout}:\n{Tail()}");
            }

            await Task.Delay(25);
        }
    }

    private static class Native
    {
        internal const int SIGKILL = 9;
        internal const int SIGSTOP = 19;

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        internal static extern int kill(int pid, int signal);
    }
}
