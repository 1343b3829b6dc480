using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Stratum.Kube.Client;
using Stratum.Kube.Extender;
using Stratum.Kube.Leader;
using Stratum.Kube.NodeLoss;
using Stratum.Metrics;
using Stratum.Platform;

namespace Stratum.Kube.Hosting;

/// <summary>
/// Runs <c>stratum controller</c>: caches of Nodes, PVs, PVCs, StorageClasses and
/// CSIStorageCapacities; the scheduler extender on every replica (it only reads); the node-loss
/// controller in the Lease holder only; <c>/metrics</c> when asked. Stops on SIGTERM/SIGINT.
/// </summary>
public static partial class ControllerHost
{
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(ControllerOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var logger = loggerFactory.CreateLogger("Stratum.Controller");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            Log.SignalReceived(logger, context.Signal.ToString());
            stop.Cancel();
        }

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        KubeConnection api;
        try
        {
            api = KubeConnection.Create(options.Kubeconfig, options.Server);
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException)
        {
            Log.StartFailed(logger, $"no Kubernetes credentials: {ex.Message}");
            return 1;
        }

        using var connection = api;
        var prometheus = options.MetricsEndpoint is null ? null : new PrometheusStratumMetrics(options.Version);
        IStratumMetrics metrics = prometheus is null ? NullStratumMetrics.Instance : prometheus;
        MetricsEndpoint? metricsEndpoint = null;
        Microsoft.AspNetCore.Builder.WebApplication? extenderApp = null;
        var informerLogger = loggerFactory.CreateLogger("Stratum.Informer");
        var nodes = Informers.Informers.Nodes(api, informerLogger);
        var volumes = Informers.Informers.PersistentVolumes(api, informerLogger);
        var claims = Informers.Informers.PersistentVolumeClaims(api, informerLogger);
        var classes = Informers.Informers.StorageClasses(api, informerLogger);
        var capacities = Informers.Informers.StorageCapacities(api, informerLogger);
        Task[] caches = [nodes.RunAsync(stop.Token), volumes.RunAsync(stop.Token), claims.RunAsync(stop.Token), classes.RunAsync(stop.Token), capacities.RunAsync(stop.Token)];
        var settled = SettleOnceSyncedAsync(
            Task.WhenAll(nodes.WaitForSyncAsync(stop.Token), volumes.WaitForSyncAsync(stop.Token), claims.WaitForSyncAsync(stop.Token), classes.WaitForSyncAsync(stop.Token), capacities.WaitForSyncAsync(stop.Token)),
            logger);
        try
        {
            if (prometheus is not null && options.MetricsEndpoint is not null)
            {
                metricsEndpoint = await MetricsEndpoint.StartAsync(options.MetricsEndpoint, prometheus, loggerFactory, stop.Token).ConfigureAwait(false);
            }

            if (options.ExtenderEndpoint is not null)
            {
                var extender = new SchedulerExtender(new InformerCapacity(claims, classes, capacities, nodes), options.Scoring, metrics, loggerFactory.CreateLogger<SchedulerExtender>());
                extenderApp = await extender.StartAsync(options.ExtenderEndpoint, stop.Token).ConfigureAwait(false);
            }

            var nodeLoss = new NodeLossController(api, nodes, volumes, claims, classes, options.NodeLoss with { Instance = options.Identity }, metrics, loggerFactory.CreateLogger<NodeLossController>());
            Log.Started(logger, options.Version, options.Identity, options.LeaderElect ? $"{options.Namespace}/{options.LeaseName}" : "none");
            if (options.LeaderElect)
            {
                var elector = new LeaseElector(api, new LeaderElectionOptions
                {
                    Namespace = options.Namespace,
                    LeaseName = options.LeaseName,
                    Identity = options.Identity,
                }, metrics, loggerFactory.CreateLogger<LeaseElector>());
                await elector.RunAsync(nodeLoss.RunAsync, stop.Token).ConfigureAwait(false);
            }
            else
            {
                await nodeLoss.RunAsync(stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (IOException ex)
        {
            Log.StartFailed(logger, ex.Message);
            return 1;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            if (extenderApp is not null)
            {
                await extenderApp.StopAsync(CancellationToken.None).ConfigureAwait(false);
                await extenderApp.DisposeAsync().ConfigureAwait(false);
            }

            if (metricsEndpoint is not null)
            {
                await metricsEndpoint.DisposeAsync().ConfigureAwait(false);
            }

            await Task.WhenAll(caches).ConfigureAwait(false);
            await settled.ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>
    /// Once every cache holds its first list, start-up is over and the controller idles between
    /// events for days (a standby replica all the time): hand back start-up's garbage and the
    /// binary's clean pages, as the node plugin does once it serves.
    /// </summary>
    private static async Task SettleOnceSyncedAsync(Task synced, ILogger logger)
    {
        try
        {
            await synced.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Log.Settled(logger, WorkingSet.SettleAfterStart() >> 20);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7500, EventName = "ControllerStarted", Level = LogLevel.Information,
            Message = "stratum controller {Version} started as {Identity} (leader lease: {Lease})")]
        public static partial void Started(ILogger logger, string version, string identity, string lease);

        [LoggerMessage(EventId = 7501, EventName = "ControllerSignal", Level = LogLevel.Information,
            Message = "Received {Signal}; shutting down")]
        public static partial void SignalReceived(ILogger logger, string signal);

        [LoggerMessage(EventId = 7502, EventName = "ControllerStartFailed", Level = LogLevel.Critical,
            Message = "Cannot start: {Reason}")]
        public static partial void StartFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 7503, EventName = "ControllerSettled", Level = LogLevel.Debug,
            Message = "Caches synced, start-up done: {MiB} MiB of clean file pages (code, read-only data) unmapped; they come back from the page cache when used")]
        public static partial void Settled(ILogger logger, long miB);
    }
}
