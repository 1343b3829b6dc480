using Prometheus;

namespace Stratum.Metrics;

/// <summary>
/// <see cref="IStratumMetrics"/> on a prometheus-net registry of its own (no default process
/// metrics, nothing global), exported in the Prometheus text format by <see cref="MetricsEndpoint"/>.
/// Names follow Prometheus conventions: base units in the name (<c>_bytes</c>, <c>_seconds</c>,
/// <c>_ratio</c>), <c>_total</c> on counters.
/// </summary>
public sealed class PrometheusStratumMetrics : IStratumMetrics
{
    /// <summary>Latency buckets for CSI calls and extender calls: 1 ms to ~65 s.</summary>
    private static readonly double[] RpcBuckets = Histogram.ExponentialBuckets(0.001, 2, 17);

    /// <summary>Subprocess buckets: 5 ms to ~164 s (an lvcreate on a busy node takes seconds).</summary>
    private static readonly double[] CommandBuckets = Histogram.ExponentialBuckets(0.005, 2, 16);

    /// <summary>Gauges with no sample until first set: 0 would be a lie (no refresh yet, no GC pass yet).</summary>
    private static readonly GaugeConfiguration Unset = new() { SuppressInitialValue = true };

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Counter _rpcs;
    private readonly Histogram _rpcDuration;
    private readonly Histogram _lvmDuration;
    private readonly Histogram _commandDuration;
    private readonly Gauge _vgSize;
    private readonly Gauge _vgFree;
    private readonly Gauge _thinData;
    private readonly Gauge _thinMetadata;
    private readonly Gauge _volumes;
    private readonly Gauge _cacheAge;
    private readonly Gauge _configGeneration;
    private readonly Counter _reloadErrors;
    private readonly Gauge _disksClaimed;
    private readonly Gauge _disksRefused;
    private readonly Counter _gcRuns;
    private readonly Gauge _orphans;
    private readonly Gauge _missing;
    private readonly Gauge _gcLastRun;
    private readonly Counter _orphansDeleted;
    private readonly Counter _nodeLoss;
    private readonly Gauge _leader;
    private readonly Counter _extenderRequests;
    private readonly Histogram _extenderDuration;
    private DateTimeOffset? _capacityRefreshedAt;

    public PrometheusStratumMetrics(string version, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var f = Prometheus.Metrics.WithCustomRegistry(Registry);

        f.CreateGauge("stratum_build_info", "Stratum's version; always 1.", "version").WithLabels(version).Set(1);

        _rpcs = f.CreateCounter("stratum_csi_requests_total", "CSI calls served, by method and gRPC status code.", "method", "code");
        _rpcDuration = f.CreateHistogram("stratum_csi_request_duration_seconds", "Time to serve a CSI call, by method and gRPC status code.",
            new HistogramConfiguration { LabelNames = ["method", "code"], Buckets = RpcBuckets });
        _lvmDuration = f.CreateHistogram("stratum_lvm_command_duration_seconds", "Time an lvm command took, by command (lvcreate, lvs, ...) and outcome.",
            new HistogramConfiguration { LabelNames = ["command", "outcome"], Buckets = CommandBuckets });
        _commandDuration = f.CreateHistogram("stratum_command_duration_seconds", "Time another subprocess (mkfs, mount, blkid, ...) took, by program and outcome.",
            new HistogramConfiguration { LabelNames = ["command", "outcome"], Buckets = CommandBuckets });

        _vgSize = f.CreateGauge("stratum_vg_size_bytes", "Size of a volume group.", "vg");
        _vgFree = f.CreateGauge("stratum_vg_free_bytes", "Unallocated space of a volume group.", "vg");
        _thinData = f.CreateGauge("stratum_thinpool_data_used_ratio", "Fraction of a thin pool's data space in use (0-1).", "vg", "pool");
        _thinMetadata = f.CreateGauge("stratum_thinpool_metadata_used_ratio", "Fraction of a thin pool's metadata space in use (0-1).", "vg", "pool");
        _volumes = f.CreateGauge("stratum_volumes", "Stratum's volumes on this node, by device class.", "device_class");
        _cacheAge = f.CreateGauge("stratum_capacity_cache_age_seconds", "Time since the capacity cache was last refreshed (absent before the first refresh).", Unset);

        _configGeneration = f.CreateGauge("stratum_config_generation", "Generation of the configuration in force (1 at start, +1 per applied reload).", Unset);
        _reloadErrors = f.CreateCounter("stratum_config_reload_errors_total", "Configuration reloads rejected (the last good configuration stayed in force).");
        _disksClaimed = f.CreateGauge("stratum_disks_claimed", "Disks matched by a device class's devices patterns that are in its volume group, by volume group.", "vg");
        _disksRefused = f.CreateGauge("stratum_disks_refused", "Disks matched by a device class's devices patterns that disk management refused to claim (not blank or not safe; the log and stratum status say why), by volume group.", "vg");

        _gcRuns = f.CreateCounter("stratum_gc_runs_total", "Orphan-GC passes, by result (completed, skipped_api_unavailable, skipped_volumes_unavailable, failed).", "result");
        _orphans = f.CreateGauge("stratum_gc_orphans", "Volumes of ours without a PersistentVolume, past the grace period, found by the last completed GC pass.", Unset);
        _missing = f.CreateGauge("stratum_gc_missing_volumes", "PersistentVolumes of this node whose logical volume is gone, found by the last completed GC pass.", Unset);
        _gcLastRun = f.CreateGauge("stratum_gc_last_success_timestamp_seconds", "Unix time of the last completed GC pass.", Unset);
        _orphansDeleted = f.CreateCounter("stratum_gc_orphans_deleted_total", "Orphaned volumes the GC deleted (gc: delete).");

        _nodeLoss = f.CreateCounter("stratum_node_loss_actions_total", "What the controller did about deleted nodes, by action.", "action");
        _leader = f.CreateGauge("stratum_leader", "1 while this controller replica holds the leader lease.");
        _extenderRequests = f.CreateCounter("stratum_extender_requests_total", "Scheduler-extender calls, by verb and result.", "verb", "result");
        _extenderDuration = f.CreateHistogram("stratum_extender_request_duration_seconds", "Time to answer a scheduler-extender call, by verb.",
            new HistogramConfiguration { LabelNames = ["verb"], Buckets = RpcBuckets });

        Registry.AddBeforeCollectCallback(UpdateCacheAge);
    }

    /// <summary>The registry the endpoint exports.</summary>
    public CollectorRegistry Registry { get; }

    public void RpcCompleted(string method, string code, TimeSpan elapsed)
    {
        _rpcs.WithLabels(method, code).Inc();
        _rpcDuration.WithLabels(method, code).Observe(elapsed.TotalSeconds);
    }

    public void CommandCompleted(string command, string outcome, TimeSpan elapsed)
    {
        var histogram = LvmCommands.Contains(command) ? _lvmDuration : _commandDuration;
        histogram.WithLabels(command, outcome).Observe(elapsed.TotalSeconds);
    }

    public void CapacityRefreshed(DateTimeOffset at, IReadOnlyList<VolumeGroupUsage> volumeGroups, IReadOnlyList<ThinPoolUsage> thinPools)
    {
        lock (_gate)
        {
            _capacityRefreshedAt = at;
            Replace(_vgSize, volumeGroups.Select(g => ((string[])[g.Name], (double)g.SizeBytes)));
            Replace(_vgFree, volumeGroups.Select(g => ((string[])[g.Name], (double)g.FreeBytes)));
            Replace(_thinData, thinPools.Select(p => ((string[])[p.VolumeGroup, p.Name], p.DataUsedRatio)));
            Replace(_thinMetadata, thinPools.Select(p => ((string[])[p.VolumeGroup, p.Name], p.MetadataUsedRatio)));
        }
    }

    public void VolumesCounted(IReadOnlyDictionary<string, int> perDeviceClass)
    {
        lock (_gate)
        {
            Replace(_volumes, perDeviceClass.Select(e => ((string[])[e.Key], (double)e.Value)));
        }
    }

    public void ConfigApplied(long generation) => _configGeneration.Set(generation);

    public void ConfigReloadFailed() => _reloadErrors.Inc();

    public void DisksObserved(IReadOnlyDictionary<string, int> claimedByVolumeGroup, IReadOnlyDictionary<string, int> refusedByVolumeGroup)
    {
        lock (_gate)
        {
            Replace(_disksClaimed, claimedByVolumeGroup.Select(e => ((string[])[e.Key], (double)e.Value)));
            Replace(_disksRefused, refusedByVolumeGroup.Select(e => ((string[])[e.Key], (double)e.Value)));
        }
    }

    public void GcPassCompleted(string result, int orphans, int missingVolumes, DateTimeOffset at)
    {
        _gcRuns.WithLabels(result).Inc();
        if (result == "completed")
        {
            _orphans.Set(orphans);
            _missing.Set(missingVolumes);
            _gcLastRun.Set(at.ToUnixTimeMilliseconds() / 1000.0);
        }
    }

    public void OrphanDeleted() => _orphansDeleted.Inc();

    public void NodeLossAction(string action) => _nodeLoss.WithLabels(action).Inc();

    public void LeadershipChanged(bool isLeader) => _leader.Set(isLeader ? 1 : 0);

    public void ExtenderRequest(string verb, string result, TimeSpan elapsed)
    {
        _extenderRequests.WithLabels(verb, result).Inc();
        _extenderDuration.WithLabels(verb).Observe(elapsed.TotalSeconds);
    }

    /// <summary>Writes every metric in the Prometheus text exposition format (version 0.0.4).</summary>
    public Task ExportAsync(Stream destination, CancellationToken cancellationToken) =>
        Registry.CollectAndExportAsTextAsync(destination, cancellationToken);

    /// <summary>The lvm sub-commands (and their <c>lvm</c> spelling) that go to <c>stratum_lvm_command_duration_seconds</c>.</summary>
    internal static readonly HashSet<string> LvmCommands = new(StringComparer.Ordinal)
    {
        "lvm", "lvs", "vgs", "pvs", "lvcreate", "lvremove", "lvextend", "lvresize", "lvchange", "lvrename", "lvconvert",
        "vgcreate", "vgextend", "vgreduce", "vgchange", "vgremove", "pvcreate", "pvremove", "pvresize", "pvscan", "vgscan", "lvscan",
        "fullreport", "lvmdevices",
    };

    private void UpdateCacheAge()
    {
        lock (_gate)
        {
            if (_capacityRefreshedAt is { } at)
            {
                _cacheAge.Set(Math.Max(0, (_time.GetUtcNow() - at).TotalSeconds));
            }
        }
    }

    /// <summary>Sets the given series and drops the ones no longer present (a removed VG disappears instead of freezing).</summary>
    private static void Replace(Gauge gauge, IEnumerable<(string[] Labels, double Value)> values)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (labels, value) in values)
        {
            gauge.WithLabels(labels).Set(value);
            keep.Add(string.Join('\0', labels));
        }

        foreach (var labels in gauge.GetAllLabelValues().ToList())
        {
            if (!keep.Contains(string.Join('\0', labels)))
            {
                gauge.RemoveLabelled(labels);
            }
        }
    }
}
