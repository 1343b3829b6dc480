using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Kube.Client;
using Stratum.Kube.Gc;
using Stratum.Metrics;
using Stratum.Volumes;

namespace Stratum.Csi.Hosting;

/// <summary>
/// The orphan GC inside <c>stratum node</c>: an <see cref="OrphanCollector"/> over this node's
/// engine, with the configuration's <c>gc</c>, <c>gcGracePeriodSeconds</c> and
/// <c>gcIntervalSeconds</c> read afresh for every pass (hot reload applies). It needs the
/// Kubernetes API (in-cluster service-account credentials); without one it says so once and never
/// runs, and a pass while the API is unreachable decides nothing.
/// </summary>
public sealed partial class NodeGc : IAsyncDisposable
{
    private readonly NodeStorage _storage;
    private readonly Func<IClusterVolumeReader, OrphanCollector>? _build;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private OrphanCollector? _collector;
    private KubeConnection? _connection;
    private volatile string? _unavailable;
    private Task? _loop;

    private NodeGc(NodeStorage storage, Func<IClusterVolumeReader, OrphanCollector>? build, OrphanCollector? collector, string? unavailable, ILogger logger)
    {
        _storage = storage;
        _build = build;
        _collector = collector;
        _unavailable = unavailable;
        _logger = logger;
    }

    /// <summary>Why no pass can run (no Kubernetes API configured, or its configuration unreadable), or null when passes run as the mode says.</summary>
    public string? Unavailable => _unavailable;

    /// <summary>The configuration's mode now.</summary>
    public GcMode Mode => _storage.Config.Current.Config.Gc;

    public TimeSpan GracePeriod => _storage.Config.Current.Config.GcGracePeriod;

    public TimeSpan Interval => _storage.Config.Current.Config.GcInterval;

    /// <summary>The last pass, or null before the first (or when the GC cannot run).</summary>
    public GcReport? LastReport => _collector?.LastReport;

    /// <summary>
    /// Builds the GC over <paramref name="cluster"/> when given (tests: the fake API server), else over
    /// the in-cluster API when the process runs in a pod, else a GC that never runs. The in-cluster
    /// client (service-account token, CA certificate, TLS) is only set up by <see cref="Start"/>,
    /// once the engine is up: nothing of it delays the socket or the first Probe.
    /// </summary>
    public static NodeGc Create(NodeStorage storage, string nodeId, IClusterVolumeReader? cluster, IStratumMetrics metrics, ILoggerFactory loggers, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(loggers);
        var logger = loggers.CreateLogger<NodeGc>();
        OrphanCollector Build(IClusterVolumeReader reader) => new(
            new CatalogVolumeSource(storage.Engine.Catalog),
            new EngineVolumeRemover(storage.Engine),
            reader,
            nodeId,
            () => Options(storage.Config.Current.Config),
            metrics,
            loggers.CreateLogger<OrphanCollector>(),
            time);

        if (cluster is not null)
        {
            return new NodeGc(storage, null, Build(cluster), null, logger);
        }

        if (!KubeConfigLoader.IsInCluster())
        {
            const string reason = "no in-cluster Kubernetes API (not running in a pod with a service account)";
            NoApi(logger, reason);
            return new NodeGc(storage, null, null, reason, logger);
        }

        return new NodeGc(storage, Build, null, null, logger);
    }

    /// <summary>The GC settings of a configuration.</summary>
    public static GcOptions Options(StratumConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new GcOptions { Mode = config.Gc, GracePeriod = config.GcGracePeriod, Interval = config.GcInterval };
    }

    /// <summary>Connects to the API and starts the periodic passes (call once the engine is up); nothing when the GC cannot run.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (Connect() is { } collector && _loop is null)
            {
                _loop = Task.Run(() => collector.RunAsync(_stop.Token), CancellationToken.None);
            }
        }
    }

    /// <summary>One pass now, in <paramref name="mode"/>; null when the GC cannot run.</summary>
    public async Task<GcReport?> RunOnceAsync(GcMode mode, CancellationToken cancellationToken)
    {
        OrphanCollector? collector;
        lock (_gate)
        {
            collector = Connect();
        }

        return collector is null ? null : await collector.RunOnceAsync(mode, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The collector, set up with the in-cluster API on first use (under the gate).</summary>
    private OrphanCollector? Connect()
    {
        if (_collector is not null || _build is null || _unavailable is not null)
        {
            return _collector;
        }

        try
        {
            _connection = new KubeConnection(KubeConfigLoader.InCluster());
            _collector = _build(new KubeClusterVolumeReader(_connection));
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException)
        {
            _unavailable = "the in-cluster Kubernetes configuration could not be read: " + e.Message;
            NoApi(_logger, _unavailable);
        }

        return _collector;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
        lock (_gate)
        {
            _connection?.Dispose();
        }
    }

    [LoggerMessage(EventId = 4200, EventName = "NodeGcNoApi", Level = LogLevel.Information,
        Message = "Orphan GC is off: {Reason}; stratum status shows why")]
    private static partial void NoApi(ILogger logger, string reason);
}

/// <summary>
/// This node's volumes for the GC, from the engine's catalog (LVs with Stratum's owner tag and
/// readable metadata). In use = the LV's device is open (mounted by a stage or publish, or held).
/// LVM's creation time is not read (the lvs fields lack lv_time), so CreatedAt is unknown and the
/// GC counts the grace period from when it first saw the volume.
/// </summary>
public sealed class CatalogVolumeSource(VolumeCatalog catalog) : INodeVolumeSource
{
    public async Task<IReadOnlyList<NodeVolume>> ListAsync(CancellationToken cancellationToken)
    {
        var volumes = await catalog.ListAsync(cancellationToken).ConfigureAwait(false);
        return [.. volumes.Select(v => new NodeVolume
        {
            VolumeId = v.Id.ToString(),
            VolumeGroup = v.VolumeGroup,
            LvName = v.LvName,
            Owned = true,
            CsiName = v.Metadata.CsiName,
            DeviceClass = v.Metadata.DeviceClass,
            PvName = v.Metadata.PvName,
            PvcNamespace = v.Metadata.PvcNamespace,
            PvcName = v.Metadata.PvcName,
            SizeBytes = v.CapacityBytes,
            CreatedAt = null,
            InUse = v.IsOpen,
        })];
    }
}

/// <summary>Deletes an orphan the way DeleteVolume does: per-volume lock, owner and UUID checks, gone is success.</summary>
internal sealed class EngineVolumeRemover(VolumeEngine engine) : IVolumeRemover
{
    public Task DeleteAsync(NodeVolume volume, CancellationToken cancellationToken) =>
        engine.DeleteAsync(volume.VolumeId, cancellationToken);
}
