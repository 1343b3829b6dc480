using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Stratum.Kube.Client;
using Stratum.Kube.Gc;
using Stratum.Kube.Informers;

namespace Stratum.Kube.Modify;

/// <summary>Tuning of the <see cref="VolumeAttributesWatcher"/>.</summary>
public sealed record VolumeAttributesOptions
{
    /// <summary>A full reconcile runs this often even without a change event (and once at start).</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>After a pass in which a change could not be applied (or the API was not current), the next one comes this soon.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The informers' tuning (watch timeout, back-off while the API is unreachable).</summary>
    public InformerOptions Informer { get; init; } = new();
}

/// <summary>What one reconcile did: the volumes changed, and those whose change failed (retried).</summary>
public sealed record VolumeAttributesPass(bool Skipped, string? SkipReason, IReadOnlyList<string> Applied, IReadOnlyList<string> Failed);

/// <summary>
/// Applies VolumeAttributesClass changes to this node's volumes. The external-resizer that calls
/// ControllerModifyVolume is leader-elected and may reach another node's plugin, which validates
/// the parameters and answers OK; the resizer then records the class on the PV
/// (<c>spec.volumeAttributesClassName</c>). This watcher, in every <c>stratum node</c>, keeps
/// informers on PersistentVolumes and VolumeAttributesClasses; for each PV of Stratum's driver
/// pinned to this node (its topology key) whose volume is here and whose class's parameters
/// differ from what the volume has, it calls the node's modify path. Level-triggered: a pass
/// compares everything, on a relevant change event, at start and every
/// <see cref="VolumeAttributesOptions.ResyncInterval"/>, so a change that could not be applied
/// (volume busy, LVM failing, node down) or drifted is applied later. While either cache is not
/// current (API unreachable, watch being re-established) nothing changes: never a guess. A PV
/// without a class keeps the limits it has (its StorageClass's).
/// </summary>
public sealed class VolumeAttributesWatcher
{
    private readonly INodeVolumeAttributes _node;
    private readonly string _nodeId;
    private readonly VolumeAttributesOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _trigger = new(0, 1);
    private readonly ConcurrentDictionary<string, string> _reported = new(StringComparer.Ordinal);

    public VolumeAttributesWatcher(
        Informer<V1PersistentVolume, V1PersistentVolumeList> volumes,
        Informer<V1VolumeAttributesClass, V1VolumeAttributesClassList> classes,
        INodeVolumeAttributes node,
        string nodeId,
        VolumeAttributesOptions options,
        ILogger logger)
    {
        PersistentVolumes = volumes;
        Classes = classes;
        _node = node;
        _nodeId = nodeId;
        _options = options;
        _logger = logger;
        volumes.Changed += e =>
        {
            if (e.Type != InformerEventType.Deleted && IsOurs(e.Object))
            {
                Poke();
            }
        };
        classes.Changed += e =>
        {
            if (e.Object.DriverName == StratumNames.DriverName)
            {
                Poke();
            }
        };

        // A pass skipped on a stale cache (e.g. an event on one informer while the other was
        // re-listing) runs again as soon as the caches are back, not a retry interval later.
        volumes.BecameCurrent += Poke;
        classes.BecameCurrent += Poke;
    }

    /// <summary>Builds the watcher and its two informers over <paramref name="api"/>.</summary>
    public static VolumeAttributesWatcher Create(KubeConnection api, INodeVolumeAttributes node, string nodeId, VolumeAttributesOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var informerLogger = loggers.CreateLogger<VolumeAttributesWatcher>();
        return new VolumeAttributesWatcher(
            Informers.Informers.PersistentVolumes(api, informerLogger, options.Informer),
            Informers.Informers.VolumeAttributesClasses(api, informerLogger, options.Informer),
            node,
            nodeId,
            options,
            informerLogger);
    }

    public Informer<V1PersistentVolume, V1PersistentVolumeList> PersistentVolumes { get; }

    public Informer<V1VolumeAttributesClass, V1VolumeAttributesClassList> Classes { get; }

    /// <summary>Passes completed (skipped ones included).</summary>
    public int PassCount { get; private set; }

    /// <summary>The last pass, or null before the first.</summary>
    public VolumeAttributesPass? LastPass { get; private set; }

    /// <summary>Runs both informers and the reconcile loop until cancelled; never throws but for cancellation.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var informers = Task.WhenAll(PersistentVolumes.RunAsync(cancellationToken), Classes.RunAsync(cancellationToken));
        try
        {
            await LoopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await informers.ConfigureAwait(false);
        }
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = _options.ResyncInterval;
            try
            {
                // The first pass waits for both caches (or the first resync); an event pokes it earlier.
                if (PersistentVolumes.HasSynced && Classes.HasSynced)
                {
                    var pass = await ReconcileAsync(cancellationToken).ConfigureAwait(false);
                    if (pass.Skipped || pass.Failed.Count > 0)
                    {
                        wait = _options.RetryInterval;
                    }
                }
                else
                {
                    await Task.WhenAll(PersistentVolumes.WaitForSyncAsync(cancellationToken), Classes.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
                    continue;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                ModifyLog.PassFailed(_logger, ex.Message);
                wait = _options.RetryInterval;
            }

            try
            {
                await _trigger.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One level-triggered pass over this node's PVs.</summary>
    public async Task<VolumeAttributesPass> ReconcileAsync(CancellationToken cancellationToken)
    {
        var pass = await PassAsync(cancellationToken).ConfigureAwait(false);
        LastPass = pass;
        PassCount++;
        return pass;
    }

    private async Task<VolumeAttributesPass> PassAsync(CancellationToken cancellationToken)
    {
        if (!PersistentVolumes.IsCurrent || !Classes.IsCurrent)
        {
            return new VolumeAttributesPass(true, "a cache is not current (API unreachable, or a watch is being re-established)", [], []);
        }

        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> here;
        try
        {
            here = await _node.ListAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ModifyLog.VolumesUnavailable(_logger, ex.Message);
            return new VolumeAttributesPass(true, "this node's volumes could not be listed: " + ex.Message, [], []);
        }

        List<string> applied = [], failed = [];
        foreach (var pv in PersistentVolumes.List())
        {
            var className = pv.Spec?.VolumeAttributesClassName;
            if (!IsOurs(pv) || string.IsNullOrEmpty(className) || pv.Metadata.DeletionTimestamp is not null
                || !here.TryGetValue(pv.Spec!.Csi.VolumeHandle, out var current))
            {
                continue;
            }

            var volumeId = pv.Spec.Csi.VolumeHandle;
            var pvName = pv.Metadata.Name ?? "";
            var wanted = Wanted(pvName, className);
            if (wanted is null || SameParameters(current, wanted))
            {
                continue;
            }

            try
            {
                await _node.ModifyAsync(volumeId, wanted, cancellationToken).ConfigureAwait(false);
                applied.Add(volumeId);
                _reported.TryRemove(pvName, out _);
                ModifyLog.Applied(_logger, pvName, volumeId, className);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failed.Add(volumeId);
                ModifyLog.ApplyFailed(_logger, pvName, volumeId, className, ex.Message);
            }
        }

        return new VolumeAttributesPass(false, null, applied, failed);
    }

    /// <summary>The class's parameters in canonical form; null (said once) when the class is missing, another driver's, or invalid.</summary>
    private IReadOnlyDictionary<string, string>? Wanted(string pvName, string className)
    {
        string problem;
        var vac = Classes.Get(null, className);
        if (vac is null)
        {
            problem = $"VolumeAttributesClass {className} does not exist";
        }
        else if (vac.DriverName != StratumNames.DriverName)
        {
            problem = $"VolumeAttributesClass {className} is for driver {vac.DriverName}, not {StratumNames.DriverName}";
        }
        else
        {
            try
            {
                return _node.Canonical(vac.Parameters is { } parameters ? new Dictionary<string, string>(parameters, StringComparer.Ordinal) : new Dictionary<string, string>(StringComparer.Ordinal));
            }
            catch (InvalidVolumeAttributesException ex)
            {
                problem = $"VolumeAttributesClass {className}: {ex.Message}";
            }
        }

        if (!_reported.TryGetValue(pvName, out var said) || said != problem)
        {
            _reported[pvName] = problem;
            ModifyLog.ClassNotApplicable(_logger, pvName, problem);
        }

        return null;
    }

    private bool IsOurs(V1PersistentVolume pv) =>
        pv.Spec?.Csi?.Driver == StratumNames.DriverName
        && !string.IsNullOrEmpty(pv.Spec.Csi.VolumeHandle)
        && KubeClusterVolumeReader.PinnedNode(pv) == _nodeId;

    private static bool SameParameters(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);

    private void Poke()
    {
        try
        {
            if (_trigger.CurrentCount == 0)
            {
                _trigger.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already poked.
        }
    }
}
