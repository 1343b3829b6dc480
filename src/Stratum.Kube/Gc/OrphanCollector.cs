using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Kube.Client;
using Stratum.Metrics;

namespace Stratum.Kube.Gc;

/// <summary>
/// Orphan GC for <c>stratum node</c>. A pass lists this node's volumes, then reads PVs and PVCs
/// fresh from the API server (in that order, so a PV created meanwhile is seen), and decides for
/// each volume of ours without a PV. It deletes only in <see cref="GcMode.Delete"/>, only volumes
/// carrying the owner tag, past the grace period, not staged or published, and never when either
/// side could not be read or this node is not a Node of the cluster the API belongs to. PVs
/// pinned to this node whose exact LV is gone are reported as missing.
/// </summary>
public sealed class OrphanCollector
{
    private readonly INodeVolumeSource _volumes;
    private readonly IVolumeRemover _remover;
    private readonly IClusterVolumeReader _cluster;
    private readonly string _nodeId;
    private readonly Func<GcOptions> _options;
    private readonly IStratumMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _firstSeen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, GcVerdict> _reported = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public OrphanCollector(
        INodeVolumeSource volumes,
        IVolumeRemover remover,
        IClusterVolumeReader cluster,
        string nodeId,
        GcOptions options,
        IStratumMetrics metrics,
        ILogger logger,
        TimeProvider? time = null)
        : this(volumes, remover, cluster, nodeId, () => options, metrics, logger, time)
    {
    }

    /// <summary>With settings read afresh for every pass (the node's hot-reloaded configuration).</summary>
    public OrphanCollector(
        INodeVolumeSource volumes,
        IVolumeRemover remover,
        IClusterVolumeReader cluster,
        string nodeId,
        Func<GcOptions> options,
        IStratumMetrics metrics,
        ILogger logger,
        TimeProvider? time = null)
    {
        _volumes = volumes;
        _remover = remover;
        _cluster = cluster;
        _nodeId = nodeId;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The last pass's report (for <c>stratum status</c>), or null before the first.</summary>
    public GcReport? LastReport { get; private set; }

    /// <summary>
    /// Runs a pass every <see cref="GcOptions.Interval"/> (the first one interval after the call)
    /// until cancelled, with the settings of the moment (in <see cref="GcMode.Off"/> a pass is
    /// skipped and nothing is read).
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // The first pass comes one interval after start: a provisioner retrying after the restart gets its PV in first.
                await Task.Delay(_options().Interval, _time, cancellationToken).ConfigureAwait(false);
                if (_options().Mode is var mode and not GcMode.Off)
                {
                    await RunOnceAsync(mode, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// One pass in <paramref name="mode"/> (<see cref="GcMode.Report"/> is a dry run). Passes never
    /// overlap: a second caller waits for the running one.
    /// </summary>
    public async Task<GcReport> RunOnceAsync(GcMode mode, CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var report = await PassAsync(mode, cancellationToken).ConfigureAwait(false);
            LastReport = report;
            _metrics.GcPassCompleted(Result(report.Outcome), report.OrphanCount, report.Missing.Count, report.At);
            return report;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task<GcReport> PassAsync(GcMode mode, CancellationToken cancellationToken)
    {
        var started = _time.GetUtcNow();
        IReadOnlyList<NodeVolume> volumes;
        try
        {
            volumes = await _volumes.ListAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            GcLog.VolumesUnavailable(_logger, ex.Message);
            return Skipped(started, mode, GcOutcome.VolumesUnavailable, ex.Message);
        }

        ClusterVolumes cluster;
        try
        {
            cluster = await _cluster.ReadAsync(_nodeId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            GcLog.ApiUnavailable(_logger, KubeErrors.Describe(ex));
            return Skipped(started, mode, GcOutcome.ApiUnavailable, KubeErrors.Describe(ex));
        }

        if (!cluster.NodeRegistered)
        {
            GcLog.NodeNotRegistered(_logger, _nodeId, StratumNames.TopologyKey);
            return Skipped(started, mode, GcOutcome.NodeNotRegistered, null);
        }

        var now = _time.GetUtcNow();
        var findings = new List<GcFinding>();
        var deletions = 0;
        foreach (var volume in volumes)
        {
            if (!volume.Owned)
            {
                continue;
            }

            var (verdict, detail) = Judge(volume, cluster, now, out var age);
            if (verdict == GcVerdict.Referenced)
            {
                _firstSeen.TryRemove(volume.VolumeId, out _);
                _reported.TryRemove(volume.VolumeId, out _);
                continue;
            }

            var action = GcAction.None;
            if (verdict == GcVerdict.Orphan)
            {
                if (mode != GcMode.Delete)
                {
                    action = GcAction.WouldDelete;
                }
                else if (deletions >= _options().MaxDeletionsPerPass)
                {
                    action = GcAction.DeferredByLimit;
                }
                else
                {
                    deletions++;
                    action = await DeleteAsync(volume, cancellationToken).ConfigureAwait(false);
                }
            }

            if (_reported.TryGetValue(volume.VolumeId, out var previous) ? previous != verdict : true)
            {
                _reported[volume.VolumeId] = verdict;
                GcLog.Finding(_logger, volume.VolumeGroup, volume.LvName, volume.CsiName ?? "", verdict.ToString(), detail);
            }

            findings.Add(new GcFinding(volume, verdict, action, age, detail));
        }

        var missing = Missing(volumes, cluster);
        foreach (var m in missing)
        {
            GcLog.VolumeMissing(_logger, m.PersistentVolume.Name, m.PersistentVolume.VolumeHandle, m.PersistentVolume.ClaimNamespace ?? "", m.PersistentVolume.ClaimName ?? "");
        }

        var seen = volumes.Select(v => v.VolumeId).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _firstSeen.Keys.Where(id => !seen.Contains(id)).ToList())
        {
            _firstSeen.TryRemove(gone, out _);
            _reported.TryRemove(gone, out _);
        }

        var report = new GcReport(started, mode, GcOutcome.Completed, null, volumes.Count(v => v.Owned), findings, missing);
        GcLog.PassCompleted(_logger, report.VolumesSeen, report.OrphanCount, report.DeletedCount, missing.Count);
        return report;
    }

    private (GcVerdict Verdict, string Detail) Judge(NodeVolume volume, ClusterVolumes cluster, DateTimeOffset now, out TimeSpan age)
    {
        var bornAt = volume.CreatedAt ?? _firstSeen.GetOrAdd(volume.VolumeId, now);
        age = now - bornAt;
        var options = _options();
        var oldEnough = age >= options.GracePeriod || (volume.CreatedAt is null && options.AssumeOldWhenAgeUnknown);

        if (cluster.PersistentVolumes.FirstOrDefault(pv => pv.VolumeHandle == volume.VolumeId) is { } pv)
        {
            return (GcVerdict.Referenced, $"PV {pv.Name}");
        }

        if (cluster.PersistentVolumes.FirstOrDefault(pv => pv.Name == volume.PvName || pv.Name == volume.CsiName) is { } named)
        {
            return (GcVerdict.NameTaken, $"PV {named.Name} exists but records volume {named.VolumeHandle}; kept");
        }

        if (PendingClaim(volume, cluster) is { } claim)
        {
            return (GcVerdict.AwaitingClaim, $"claim {claim.Namespace}/{claim.Name} is not bound yet; its PV may still come");
        }

        if (!oldEnough)
        {
            return (GcVerdict.TooYoung, $"no PV; within the grace period ({GcReport.Age(options.GracePeriod)})");
        }

        if (volume.InUse)
        {
            return (GcVerdict.OrphanInUse, "no PV, but staged or published on this node: never deleted while in use");
        }

        return (GcVerdict.Orphan, PvcHint(volume));
    }

    private static ClaimRecord? PendingClaim(NodeVolume volume, ClusterVolumes cluster)
    {
        var uid = ClaimUidFromCsiName(volume.CsiName);
        return cluster.Claims.FirstOrDefault(c => c.IsPending
            && ((uid is not null && string.Equals(c.Uid, uid, StringComparison.OrdinalIgnoreCase))
                || (volume.PvcName is not null && c.Name == volume.PvcName && c.Namespace == volume.PvcNamespace)));
    }

    /// <summary>The external-provisioner names volumes <c>pvc-&lt;PVC UID&gt;</c>; that UID, or null.</summary>
    public static string? ClaimUidFromCsiName(string? csiName) =>
        csiName is not null && csiName.StartsWith("pvc-", StringComparison.Ordinal) && Guid.TryParse(csiName.AsSpan(4), out _)
            ? csiName[4..]
            : null;

    private static string PvcHint(NodeVolume volume) =>
        volume.PvcName is null
            ? "no PV and no pending claim"
            : $"no PV and no pending claim (was claim {volume.PvcNamespace}/{volume.PvcName})";

    private List<MissingVolume> Missing(IReadOnlyList<NodeVolume> volumes, ClusterVolumes cluster)
    {
        var ids = volumes.Select(v => v.VolumeId).ToHashSet(StringComparer.Ordinal);
        return [.. cluster.PersistentVolumes
            .Where(pv => pv.Node == _nodeId && !pv.Deleting && !ids.Contains(pv.VolumeHandle))
            .Select(pv => new MissingVolume(pv))];
    }

    private async Task<GcAction> DeleteAsync(NodeVolume volume, CancellationToken cancellationToken)
    {
        try
        {
            await _remover.DeleteAsync(volume, cancellationToken).ConfigureAwait(false);
            _metrics.OrphanDeleted();
            GcLog.Deleted(_logger, volume.VolumeGroup, volume.LvName, volume.CsiName ?? "", volume.SizeBytes);
            return GcAction.Deleted;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            GcLog.DeleteFailed(_logger, volume.VolumeGroup, volume.LvName, ex.Message);
            return GcAction.DeleteFailed;
        }
    }

    private GcReport Skipped(DateTimeOffset at, GcMode mode, GcOutcome outcome, string? error) =>
        new(at, mode, outcome, error, 0, [], []);

    private static string Result(GcOutcome outcome) => outcome switch
    {
        GcOutcome.Completed => "completed",
        GcOutcome.ApiUnavailable => "skipped_api_unavailable",
        GcOutcome.VolumesUnavailable => "skipped_volumes_unavailable",
        GcOutcome.NodeNotRegistered => "skipped_node_not_registered",
        _ => "failed",
    };

}
