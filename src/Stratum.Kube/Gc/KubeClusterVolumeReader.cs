using k8s.Models;
using Stratum.Kube.Client;

namespace Stratum.Kube.Gc;

/// <summary>
/// Reads PVs, PVCs and this node's registration straight from the API server with paged,
/// quorum-read lists (no resourceVersion: the newest state, not a watch cache), so a GC decision
/// never rests on a stale view.
/// </summary>
public sealed class KubeClusterVolumeReader(KubeConnection api, int pageSize = 500) : IClusterVolumeReader
{
    public async Task<ClusterVolumes> ReadAsync(string nodeId, CancellationToken cancellationToken)
    {
        // This node must be a node of the cluster we talk to (its Node carries our topology label):
        // a kubeconfig pointing at another cluster would otherwise make every volume look orphaned.
        var nodes = await api.GetListAsync("api/v1/nodes", Query(("labelSelector", $"{StratumNames.TopologyKey}={nodeId}")), KubeJson.Default.V1NodeList, cancellationToken).ConfigureAwait(false);

        var pvs = new List<PvRecord>();
        await PageAsync(
            token => api.GetListAsync("api/v1/persistentvolumes", Page(token), KubeJson.Default.V1PersistentVolumeList, cancellationToken),
            list => list.Metadata?.ContinueProperty,
            list =>
            {
                foreach (var pv in list.Items ?? [])
                {
                    if (pv.Spec?.Csi?.Driver == StratumNames.DriverName && !string.IsNullOrEmpty(pv.Spec.Csi.VolumeHandle))
                    {
                        pvs.Add(ToRecord(pv));
                    }
                }
            }).ConfigureAwait(false);

        var claims = new List<ClaimRecord>();
        await PageAsync(
            token => api.GetListAsync("api/v1/persistentvolumeclaims", Page(token), KubeJson.Default.V1PersistentVolumeClaimList, cancellationToken),
            list => list.Metadata?.ContinueProperty,
            list =>
            {
                foreach (var pvc in list.Items ?? [])
                {
                    claims.Add(new ClaimRecord(
                        pvc.Metadata.NamespaceProperty ?? "",
                        pvc.Metadata.Name ?? "",
                        pvc.Metadata.Uid ?? "",
                        pvc.Status?.Phase,
                        pvc.Spec?.VolumeName,
                        pvc.Metadata.Annotations is { } annotations && annotations.TryGetValue(StratumNames.SelectedNodeAnnotation, out var selected) ? selected : null,
                        pvc.Metadata.DeletionTimestamp is not null));
                }
            }).ConfigureAwait(false);

        return new ClusterVolumes(pvs, claims, nodes.Items?.Count > 0);
    }

    /// <summary>The node a Stratum PV is pinned to: the value of our topology key in its required node affinity.</summary>
    public static string? PinnedNode(V1PersistentVolume pv) =>
        pv.Spec?.NodeAffinity?.Required?.NodeSelectorTerms?
            .SelectMany(t => t.MatchExpressions ?? [])
            .Where(e => e.Key == StratumNames.TopologyKey && e.OperatorProperty == "In" && e.Values?.Count == 1)
            .Select(e => e.Values[0])
            .FirstOrDefault();

    public static PvRecord ToRecord(V1PersistentVolume pv) => new(
        pv.Metadata.Name ?? "",
        pv.Spec.Csi.VolumeHandle,
        PinnedNode(pv),
        pv.Status?.Phase,
        pv.Spec.PersistentVolumeReclaimPolicy,
        pv.Spec.ClaimRef?.NamespaceProperty,
        pv.Spec.ClaimRef?.Name,
        pv.Metadata.DeletionTimestamp is not null);

    private Dictionary<string, string?> Page(string? continueToken) =>
        Query(("limit", pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("continue", continueToken));

    private static Dictionary<string, string?> Query(params (string Key, string? Value)[] items) =>
        items.ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);

    /// <summary>Reads every page; a 410 on a continue token (the list's version compacted away) starts over once.</summary>
    private static async Task PageAsync<TList>(Func<string?, Task<TList>> fetch, Func<TList, string?> next, Action<TList> take)
    {
        for (var attempt = 0; ; attempt++)
        {
            var pages = new List<TList>();
            try
            {
                string? token = null;
                do
                {
                    var page = await fetch(token).ConfigureAwait(false);
                    pages.Add(page);
                    token = next(page);
                }
                while (!string.IsNullOrEmpty(token));
            }
            catch (Exception ex) when (attempt == 0 && KubeErrors.IsGone(ex))
            {
                continue;
            }

            foreach (var page in pages)
            {
                take(page);
            }

            return;
        }
    }
}
