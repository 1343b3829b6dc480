using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Stratum.Config;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;
using Stratum.Lvm;
using Stratum.Csi.V1;
using Stratum.Volumes.Filesystems;

namespace Stratum.Testing.Conformance;

/// <summary>
/// The real plugin on a Unix socket, and our gRPC client connected to it: either in-process
/// (<see cref="NodePlugin"/> with the LVM, filesystem layer and configuration it is given) or the
/// published binary run as a child process. Tests reach the plugin only through that client.
/// </summary>
public sealed class PluginUnderTest : IAsyncDisposable
{
    private readonly Func<ValueTask> _stop;
    private int _stopped;

    private PluginUnderTest(CsiClient client, ServerEndpoint endpoint, Func<ValueTask> stop)
    {
        Client = client;
        Endpoint = endpoint;
        _stop = stop;
    }

    /// <summary>How long one call may take (mkfs of a few hundred MiB under emulation takes a while).</summary>
    public static TimeSpan CallTimeout { get; } = TimeSpan.FromMinutes(5);

    /// <summary>Our CSI client, connected to the plugin's socket.</summary>
    public CsiClient Client { get; }

    public ServerEndpoint Endpoint { get; }

    /// <summary>How long the plugin may take to rediscover its volumes and report ready.</summary>
    public static TimeSpan ReadyTimeout { get; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Starts the plugin on <paramref name="socketPath"/>, connects a client to it and returns once
    /// Probe reports ready (the plugin serves Identity at once and rediscovers volumes in the
    /// background, as kubelet's probes see it).
    /// </summary>
    public static async Task<PluginUnderTest> StartAsync(
        string socketPath, string nodeId, ILvm lvm, IFilesystemOps filesystem, StratumConfig config, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        var endpoint = ServerEndpoint.Parse("unix://" + socketPath);
        var plugin = new NodePlugin(
            new NodeOptions { Endpoints = [endpoint], NodeId = nodeId, ShutdownGracePeriod = TimeSpan.FromSeconds(10) },
            loggerFactory,
            new NodeDependencies { Lvm = lvm, Filesystem = filesystem, Config = config });
        try
        {
            await plugin.StartAsync(cancellationToken);
        }
        catch
        {
            await plugin.DisposeAsync();
            throw;
        }

        var started = new PluginUnderTest(new CsiClient(endpoint), endpoint, async () =>
        {
            await plugin.StopAsync();
            await plugin.DisposeAsync();
            loggerFactory.Dispose();
        });
        try
        {
            await started.WaitUntilReadyAsync(cancellationToken);
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }

        return started;
    }

    /// <summary>
    /// Starts the published binary (<c>stratum node</c>) as a child process on <paramref name="socketPath"/>
    /// with the configuration file <paramref name="configPath"/>, its PATH starting with
    /// <paramref name="pathPrefix"/> (where an <see cref="LvmCommandRecorder"/> puts its lvm), and
    /// its log copied to <paramref name="log"/>. Returns once Probe reports ready. Disposing sends
    /// SIGTERM and expects the process to drain and exit 0.
    /// </summary>
    public static async Task<PluginUnderTest> StartProcessAsync(
        string binary, string socketPath, string nodeId, string configPath, string? pathPrefix, TestOutputLogger log, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "node", "--endpoint", "unix://" + socketPath, "--node-id", nodeId, "--config", configPath, "--shutdown-grace-seconds", "10" })
        {
            start.ArgumentList.Add(arg);
        }

        if (pathPrefix is not null)
        {
            start.Environment["PATH"] = pathPrefix + ":" + Environment.GetEnvironmentVariable("PATH");
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { log.Write("[stratum] " + line); } };
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) { log.Write("[stratum] " + line); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        var endpoint = ServerEndpoint.Parse("unix://" + socketPath);
        var started = new PluginUnderTest(new CsiClient(endpoint), endpoint, async () =>
        {
            if (!process.HasExited)
            {
                using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync();
            }

            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"{binary} node did not exit within 60 s of SIGTERM");
            }

            var code = process.ExitCode;
            process.Dispose();
            if (code != 0)
            {
                throw new InvalidOperationException($"{binary} node exited with {code} after SIGTERM (its log is in the test output)");
            }
        });
        try
        {
            await started.WaitUntilReadyAsync(cancellationToken, () => process.HasExited ? $"{binary} node exited with {process.ExitCode} before serving" : null);
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }

        return started;
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken, Func<string?>? died = null)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (true)
        {
            if (died?.Invoke() is { } reason)
            {
                throw new InvalidOperationException(reason);
            }

            try
            {
                if ((await Client.Identity.ProbeAsync(new ProbeRequest(), deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken)).Ready == true)
                {
                    return;
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                // The socket is not there yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the plugin did not report ready within {ReadyTimeout}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Calls the CSI method that takes <paramref name="request"/>'s type; any non-OK status throws <see cref="RpcException"/>.</summary>
    public Task<TResponse> CallAsync<TResponse>(IMessage request, CancellationToken cancellationToken = default)
        where TResponse : IMessage<TResponse> =>
        Client.CallAsync<TResponse>(request, CallTimeout, cancellationToken);

    /// <summary>Stops serving (in-flight calls may finish) and releases the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        Client.Dispose();
        await _stop();
    }
}
