using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Platform;

namespace Stratum.Csi.Hosting;

/// <summary>Runs <see cref="NodePlugin"/> as a process: start, serve until SIGTERM/SIGINT, drain, exit.</summary>
public static partial class NodeHost
{
    /// <summary>Exit code when the configuration file is invalid (as for a bad command line).</summary>
    public const int ConfigErrorExitCode = 2;

    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(NodeOptions options, CancellationToken cancellationToken = default)
    {
        using var loggerFactory = StratumLogging.Create(options.LogLevel, options.LogFormat);
        var logger = loggerFactory.CreateLogger("Stratum.Node");
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // we shut down ourselves, after draining
            Log.SignalReceived(logger, context.Signal.ToString());
            stop.TrySetResult();
        }

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var registration = cancellationToken.Register(() => stop.TrySetResult());

        NodePlugin plugin;
        try
        {
            plugin = new NodePlugin(options, loggerFactory);
        }
        catch (ConfigException ex)
        {
            Log.BadConfig(logger, ex.Message);
            return ConfigErrorExitCode;
        }

        await using var running = plugin;
        try
        {
            await plugin.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Log.StartFailed(logger, ex.Message);
            return 1;
        }

        Log.Started(logger, PluginInfo.Default.Name, PluginInfo.Default.Version, options.NodeId);
        var finished = await Task.WhenAny(stop.Task, plugin.Readiness.Started).ConfigureAwait(false);
        if (finished == plugin.Readiness.Started && plugin.Readiness.Failure is { } failure)
        {
            // Exit so the kubelet restarts the container (with this reason in its log).
            Log.StartFailed(logger, failure.Message);
            await plugin.StopAsync().ConfigureAwait(false);
            return 1;
        }

        if (finished == plugin.Readiness.Started)
        {
            // Start-up (config, recovery, the first reports, Kestrel) is done; a plugin then idles for days.
            Log.Trimmed(logger, WorkingSet.SettleAfterStart() >> 20);
        }

        await stop.Task.ConfigureAwait(false);
        await plugin.StopAsync().ConfigureAwait(false);
        return 0;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "{Driver} {Version} serving node {NodeId}")]
        public static partial void Started(ILogger logger, string driver, string version, string nodeId);

        [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Received {Signal}; shutting down")]
        public static partial void SignalReceived(ILogger logger, string signal);

        [LoggerMessage(EventId = 4104, Level = LogLevel.Debug, Message = "Start-up done: {MiB} MiB of clean file pages (code, read-only data) unmapped; they come back from the page cache when used")]
        public static partial void Trimmed(ILogger logger, long miB);

        [LoggerMessage(EventId = 4103, Level = LogLevel.Critical, Message = "Invalid configuration; nothing was started:\n{Problems}")]
        public static partial void BadConfig(ILogger logger, string problems);

        [LoggerMessage(EventId = 4102, Level = LogLevel.Critical, Message = "Cannot start: {Reason}")]
        public static partial void StartFailed(ILogger logger, string reason);
    }
}
