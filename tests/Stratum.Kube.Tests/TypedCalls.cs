using System.Text.Json.Serialization;
using k8s.Models;
using Stratum.Kube.Client;

namespace Stratum.Kube.Tests;

/// <summary>The typed calls the tests make against the fake API server, through <see cref="KubeConnection"/>'s own requests.</summary>
internal static class TypedCalls
{
    private const string Core = "api/v1";

    public static Task<V1Node> CreateNodeAsync(this KubeConnection api, V1Node node) =>
        api.CreateAsync($"{Core}/nodes", node, KubeJson.Default.V1Node, CancellationToken.None);

    public static Task<V1Node> ReadNodeAsync(this KubeConnection api, string name) =>
        api.GetAsync(KubeConnection.Cluster(Core, "nodes", name), Query(), KubeJson.Default.V1Node, CancellationToken.None);

    public static Task<V1Node> ReplaceNodeAsync(this KubeConnection api, V1Node node) =>
        api.ReplaceAsync(KubeConnection.Cluster(Core, "nodes", node.Metadata.Name), node, KubeJson.Default.V1Node, CancellationToken.None);

    public static Task DeleteNodeAsync(this KubeConnection api, string name, V1DeleteOptions options) =>
        api.DeleteAsync(KubeConnection.Cluster(Core, "nodes", name), options, CancellationToken.None);

    public static Task<V1NodeList> ListNodesAsync(this KubeConnection api, int? limit = null, string? continueToken = null, string? labelSelector = null) =>
        api.GetListAsync(
            $"{Core}/nodes",
            Query(("limit", limit?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("continue", continueToken), ("labelSelector", labelSelector)),
            KubeJson.Default.V1NodeList,
            CancellationToken.None);

    public static Task<V1PersistentVolume> CreatePersistentVolumeAsync(this KubeConnection api, V1PersistentVolume volume) =>
        api.CreateAsync($"{Core}/persistentvolumes", volume, KubeJson.Default.V1PersistentVolume, CancellationToken.None);

    public static Task<V1PersistentVolumeClaim> CreateClaimAsync(this KubeConnection api, V1PersistentVolumeClaim claim) =>
        api.CreateAsync(KubeConnection.Namespaced(Core, claim.Metadata.NamespaceProperty, "persistentvolumeclaims"), claim, KubeJson.Default.V1PersistentVolumeClaim, CancellationToken.None);

    public static Task<V1PersistentVolumeClaim> ReadClaimAsync(this KubeConnection api, string ns, string name) =>
        api.GetAsync(KubeConnection.Namespaced(Core, ns, "persistentvolumeclaims", name), Query(), KubeJson.Default.V1PersistentVolumeClaim, CancellationToken.None);

    public static Task DeleteClaimAsync(this KubeConnection api, string ns, string name) =>
        api.DeleteAsync(KubeConnection.Namespaced(Core, ns, "persistentvolumeclaims", name), new V1DeleteOptions(), CancellationToken.None);

    public static Task MergePatchClaimAsync(this KubeConnection api, string ns, string name, string patch) =>
        api.MergePatchAsync(KubeConnection.Namespaced(Core, ns, "persistentvolumeclaims", name), patch, CancellationToken.None);

    public static Task<PodClaimsList> ListPodsAsync(this KubeConnection api, string ns, string? fieldSelector) =>
        api.GetListAsync(KubeConnection.Namespaced(Core, ns, "pods"), Query(("fieldSelector", fieldSelector)), KubeJson.Default.PodClaimsList, CancellationToken.None);

    public static Task<Corev1Event> CreateEventAsync(this KubeConnection api, Corev1Event evt) =>
        api.CreateAsync(KubeConnection.Namespaced(Core, evt.Metadata.NamespaceProperty, "events"), evt, KubeJson.Default.Corev1Event, CancellationToken.None);

    public static Task<Corev1EventList> ListEventsAsync(this KubeConnection api, string ns, string? fieldSelector) =>
        api.GetListAsync(KubeConnection.Namespaced(Core, ns, "events"), Query(("fieldSelector", fieldSelector)), TestJson.Default.Corev1EventList, CancellationToken.None);

    private static Dictionary<string, string?> Query(params (string Key, string? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);
}

/// <summary>JSON for the types only tests read (Stratum itself lists no events).</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    Converters = [typeof(KubeTimeConverter), typeof(KubeTimeOffsetConverter)])]
[JsonSerializable(typeof(Corev1EventList))]
internal sealed partial class TestJson : JsonSerializerContext;
