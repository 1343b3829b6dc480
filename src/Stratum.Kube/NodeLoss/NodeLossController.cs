using System.Collections.Concurrent;
using System.Text.Json;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Stratum.Kube.Client;
using Stratum.Kube.Gc;
using Stratum.Kube.Informers;
using Stratum.Metrics;

namespace Stratum.Kube.NodeLoss;

/// <summary>What one reconcile did (for tests and logs).</summary>
public sealed record NodeLossPass(bool Skipped, string? SkipReason, IReadOnlyList<string> LostNodes, IReadOnlyList<string> Actions);

/// <summary>
/// Releases claims whose volumes lived on a deleted Node, per their StorageClass's
/// <c>nodeLossPolicy</c> (default keep). It runs in the leader of <c>stratum controller</c> and is
/// level-triggered: every pass compares PVs with the Nodes that exist, so a missed delete event, a
/// restart or a leader change loses nothing, and every step is idempotent (UID preconditions,
/// "already gone" is done). A NotReady node is a node that exists: nothing happens. Nothing happens
/// either while any of its caches is not current, before a node has been absent for
/// <see cref="NodeLossOptions.Delay"/>, or when too many nodes look lost at once.
/// For a released claim, in order: an Event, delete the PVC; delete the pods that keep it (on the
/// lost node, or unscheduled) so the pvc-protection finalizer lets go; once the claim is gone and
/// the PV Released with reclaim policy Delete, delete the PV (whose provisioner died with the node).
/// </summary>
public sealed class NodeLossController
{
    private static readonly Dictionary<string, string?> NoQuery = [];
    private readonly KubeConnection _api;
    private readonly Informer<V1Node, V1NodeList> _nodes;
    private readonly Informer<V1PersistentVolume, V1PersistentVolumeList> _volumes;
    private readonly Informer<V1PersistentVolumeClaim, V1PersistentVolumeClaimList> _claims;
    private readonly Informer<V1StorageClass, V1StorageClassList> _classes;
    private readonly NodeLossOptions _options;
    private readonly IStratumMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _absentSince = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _keptNotices = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _trigger = new(0, 1);

    public NodeLossController(
        KubeConnection api,
        Informer<V1Node, V1NodeList> nodes,
        Informer<V1PersistentVolume, V1PersistentVolumeList> volumes,
        Informer<V1PersistentVolumeClaim, V1PersistentVolumeClaimList> claims,
        Informer<V1StorageClass, V1StorageClassList> classes,
        NodeLossOptions options,
        IStratumMetrics metrics,
        ILogger logger,
        TimeProvider? time = null)
    {
        _api = api;
        _nodes = nodes;
        _volumes = volumes;
        _claims = claims;
        _classes = classes;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _nodes.Changed += e =>
        {
            if (e.Type == InformerEventType.Deleted)
            {
                // The clock of the delay starts at the delete event; after a restart, at first sight.
                var now = _time.GetUtcNow();
                _absentSince.TryAdd(e.Object.Metadata.Name, now);
                if (e.Object.Metadata.Labels is { } labels && labels.TryGetValue(StratumNames.TopologyKey, out var value))
                {
                    _absentSince.TryAdd(value, now);
                }

                NodeLossLog.NodeDeleted(_logger, e.Object.Metadata.Name);
            }

            Poke();
        };
        _volumes.Changed += _ => Poke();
        _claims.Changed += _ => Poke();
    }

    /// <summary>Reconciles on every relevant change and every resync interval until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ReconcileAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                NodeLossLog.PassFailed(_logger, KubeErrors.Describe(ex));
            }

            var wait = _options.ResyncInterval;
            var now = _time.GetUtcNow();
            foreach (var since in _absentSince.Values)
            {
                var due = since + _options.Delay - now;
                if (due > TimeSpan.Zero && due < wait)
                {
                    wait = due + TimeSpan.FromMilliseconds(50);
                }
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

    /// <summary>One level-triggered pass over all Stratum PVs.</summary>
    public async Task<NodeLossPass> ReconcileAsync(CancellationToken cancellationToken)
    {
        if (!_nodes.IsCurrent || !_volumes.IsCurrent || !_claims.IsCurrent || !_classes.IsCurrent)
        {
            return new NodeLossPass(true, "a cache is not current (API unreachable, or a watch is being re-established)", [], []);
        }

        var now = _time.GetUtcNow();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in _nodes.List())
        {
            present.Add(node.Metadata.Name);
            if (node.Metadata.Labels is { } labels && labels.TryGetValue(StratumNames.TopologyKey, out var value))
            {
                present.Add(value);
            }
        }

        var ours = _volumes.List()
            .Where(pv => pv.Spec?.Csi?.Driver == StratumNames.DriverName)
            .Select(pv => (Pv: pv, Node: KubeClusterVolumeReader.PinnedNode(pv)))
            .Where(x => x.Node is not null)
            .ToList();
        var pinnedNodes = ours.Select(x => x.Node!).ToHashSet(StringComparer.Ordinal);

        foreach (var node in _absentSince.Keys.Where(n => present.Contains(n) || !pinnedNodes.Contains(n)).ToList())
        {
            _absentSince.TryRemove(node, out _);
        }

        var lost = new List<string>();
        foreach (var node in pinnedNodes.Where(n => !present.Contains(n)))
        {
            var since = _absentSince.GetOrAdd(node, now);
            if (now - since >= _options.Delay)
            {
                lost.Add(node);
            }
        }

        lost.Sort(StringComparer.Ordinal);
        if (lost.Count == 0)
        {
            return new NodeLossPass(false, null, [], []);
        }

        if (lost.Count > 1 && lost.Count > _options.MaxLostFraction * pinnedNodes.Count)
        {
            NodeLossLog.TooManyLost(_logger, lost.Count, pinnedNodes.Count, string.Join(", ", lost));
            _metrics.NodeLossAction("refused");
            return new NodeLossPass(true, $"{lost.Count} of {pinnedNodes.Count} nodes holding Stratum volumes look lost at once", lost, []);
        }

        var actions = new List<string>();
        var lostSet = lost.ToHashSet(StringComparer.Ordinal);
        foreach (var (pv, node) in ours.Where(x => lostSet.Contains(x.Node!)).OrderBy(x => x.Pv.Metadata.Name, StringComparer.Ordinal))
        {
            await HandleAsync(pv, node!, actions, cancellationToken).ConfigureAwait(false);
        }

        return new NodeLossPass(false, null, lost, actions);
    }

    private async Task HandleAsync(V1PersistentVolume pv, string node, List<string> actions, CancellationToken cancellationToken)
    {
        var className = pv.Spec.StorageClassName;
        var storageClass = string.IsNullOrEmpty(className) ? null : _classes.Get(null, className);
        var raw = storageClass?.Parameters is { } parameters && parameters.TryGetValue(StratumNames.NodeLossPolicyParameter, out var v) ? v : null;
        var policy = NodeLossPolicies.Parse(raw);
        var claim = ClaimOf(pv);
        if (policy is null)
        {
            NodeLossLog.BadPolicy(_logger, className ?? "", raw ?? "", pv.Metadata.Name);
            policy = NodeLossPolicy.Keep;
        }

        if (storageClass is null && !string.IsNullOrEmpty(className))
        {
            NodeLossLog.ClassMissing(_logger, pv.Metadata.Name, className);
        }

        if (policy == NodeLossPolicy.Keep)
        {
            if (claim is not null && _keptNotices.TryAdd(claim.Metadata.Uid, 0))
            {
                await EventAsync(claim, "Normal", "NodeLostClaimKept",
                    $"Node {node} holding volume {pv.Metadata.Name} was deleted; the claim is kept (StorageClass {className} nodeLossPolicy is keep) and waits for the node to come back", cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (claim is not null)
        {
            if (claim.Metadata.DeletionTimestamp is null)
            {
                await ReleaseClaimAsync(claim, pv, node, actions, cancellationToken).ConfigureAwait(false);
            }

            await DeleteBlockingPodsAsync(claim, node, actions, cancellationToken).ConfigureAwait(false);
            return;
        }

        await DeleteReleasedVolumeAsync(pv, node, actions, cancellationToken).ConfigureAwait(false);
    }

    private V1PersistentVolumeClaim? ClaimOf(V1PersistentVolume pv)
    {
        var reference = pv.Spec.ClaimRef;
        if (reference?.Name is null)
        {
            return null;
        }

        var claim = _claims.Get(reference.NamespaceProperty, reference.Name);
        return claim is not null
            && (string.IsNullOrEmpty(reference.Uid) || reference.Uid == claim.Metadata.Uid)
            && claim.Spec?.VolumeName == pv.Metadata.Name
            ? claim
            : null;
    }

    private async Task ReleaseClaimAsync(V1PersistentVolumeClaim claim, V1PersistentVolume pv, string node, List<string> actions, CancellationToken cancellationToken)
    {
        var ns = claim.Metadata.NamespaceProperty;
        var name = claim.Metadata.Name;
        await EventAsync(claim, "Warning", "NodeLostClaimReleased",
            $"Node {node} holding volume {pv.Metadata.Name} was deleted; deleting this claim (nodeLossPolicy release) so its workload gets a new, empty volume on another node", cancellationToken).ConfigureAwait(false);
        try
        {
            await _api.DeleteAsync(KubeConnection.Namespaced("api/v1", ns, "persistentvolumeclaims", name),
                new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = claim.Metadata.Uid } }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (KubeErrors.IsNotFound(ex) || KubeErrors.IsConflict(ex))
        {
            return;
        }

        _metrics.NodeLossAction("claim_released");
        NodeLossLog.ClaimReleased(_logger, ns, name, pv.Metadata.Name, node);
        actions.Add($"release {ns}/{name}");
    }

    /// <summary>
    /// Pods that reference the released claim and hold it through the pvc-protection finalizer:
    /// those bound to the lost node (they can never finish on it) and unscheduled ones (a
    /// StatefulSet pod recreated too early, which would otherwise wait forever for a claim being
    /// deleted). Running pods elsewhere are left alone.
    /// </summary>
    private async Task DeleteBlockingPodsAsync(V1PersistentVolumeClaim claim, string node, List<string> actions, CancellationToken cancellationToken)
    {
        var ns = claim.Metadata.NamespaceProperty;
        var pods = await _api.GetListAsync(KubeConnection.Namespaced("api/v1", ns, "pods"), NoQuery, KubeJson.Default.PodClaimsList, cancellationToken).ConfigureAwait(false);
        foreach (var pod in pods.Items ?? [])
        {
            var uses = pod.ClaimNames().Contains(claim.Metadata.Name, StringComparer.Ordinal);
            var onLostNode = pod.Spec?.NodeName == node;
            var unscheduled = string.IsNullOrEmpty(pod.Spec?.NodeName);
            if (!uses || !(onLostNode || unscheduled) || (pod.Metadata.DeletionTimestamp is not null && !onLostNode) || pod.Metadata.Name is not { } podName)
            {
                continue;
            }

            await EventAsync(claim, "Normal", "NodeLostPodDeleted",
                $"Deleting pod {podName} ({(onLostNode ? "bound to deleted node " + node : "not scheduled")}), which keeps this released claim from going away", cancellationToken).ConfigureAwait(false);
            try
            {
                await _api.DeleteAsync(KubeConnection.Namespaced("api/v1", ns, "pods", podName), new V1DeleteOptions
                {
                    Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid },
                    GracePeriodSeconds = onLostNode ? 0 : null,
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (KubeErrors.IsNotFound(ex) || KubeErrors.IsConflict(ex))
            {
                continue;
            }

            _metrics.NodeLossAction("pod_deleted");
            NodeLossLog.PodDeleted(_logger, ns, podName, claim.Metadata.Name);
            actions.Add($"delete pod {ns}/{podName}");
        }
    }

    /// <summary>
    /// The claim is gone; a PV with reclaim policy Delete now waits for a provisioner that died
    /// with its node. Its provisioner finalizer is removed and the PV deleted. Retain is honoured.
    /// </summary>
    private async Task DeleteReleasedVolumeAsync(V1PersistentVolume pv, string node, List<string> actions, CancellationToken cancellationToken)
    {
        var claimGone = pv.Spec.ClaimRef is null || pv.Status?.Phase == "Released"
            || _claims.Get(pv.Spec.ClaimRef.NamespaceProperty, pv.Spec.ClaimRef.Name) is null;
        if (!claimGone || pv.Spec.PersistentVolumeReclaimPolicy != "Delete" || pv.Status?.Phase is "Bound")
        {
            return;
        }

        var name = pv.Metadata.Name;
        if (pv.Metadata.Finalizers?.Contains(StratumNames.ProvisionerFinalizer) == true)
        {
            var remaining = pv.Metadata.Finalizers.Where(f => f != StratumNames.ProvisionerFinalizer).ToList();
            var patch = JsonSerializer.Serialize(
                new V1PersistentVolume { Metadata = new V1ObjectMeta { ResourceVersion = pv.Metadata.ResourceVersion, Finalizers = remaining } },
                KubeJson.Default.V1PersistentVolume);
            try
            {
                await _api.MergePatchAsync(KubeConnection.Cluster("api/v1", "persistentvolumes", name), patch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (KubeErrors.IsNotFound(ex) || KubeErrors.IsConflict(ex))
            {
                return;
            }
        }

        if (pv.Metadata.DeletionTimestamp is null)
        {
            try
            {
                await _api.DeleteAsync(KubeConnection.Cluster("api/v1", "persistentvolumes", name),
                    new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pv.Metadata.Uid } }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (KubeErrors.IsNotFound(ex) || KubeErrors.IsConflict(ex))
            {
                return;
            }
        }

        _metrics.NodeLossAction("volume_deleted");
        NodeLossLog.VolumeDeleted(_logger, name, node);
        actions.Add($"delete pv {name}");
    }

    private async Task EventAsync(V1PersistentVolumeClaim claim, string type, string reason, string message, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var evt = new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { GenerateName = claim.Metadata.Name + ".", NamespaceProperty = claim.Metadata.NamespaceProperty },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = "v1",
                Kind = "PersistentVolumeClaim",
                NamespaceProperty = claim.Metadata.NamespaceProperty,
                Name = claim.Metadata.Name,
                Uid = claim.Metadata.Uid,
                ResourceVersion = claim.Metadata.ResourceVersion,
            },
            Type = type,
            Reason = reason,
            Message = message,
            Source = new V1EventSource { Component = StratumNames.EventSource },
            ReportingComponent = StratumNames.EventSource,
            ReportingInstance = _options.Instance,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        try
        {
            await _api.CreateAsync(KubeConnection.Namespaced("api/v1", claim.Metadata.NamespaceProperty, "events"), evt, KubeJson.Default.Corev1Event, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // An Event is a report, not the action: failing to record one must not block the release.
            NodeLossLog.EventFailed(_logger, reason, claim.Metadata.NamespaceProperty, claim.Metadata.Name, KubeErrors.Describe(ex));
        }
    }

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
        }
    }
}
