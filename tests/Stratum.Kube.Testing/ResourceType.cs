namespace Stratum.Kube.Testing;

/// <summary>One kind of object the fake API server serves, as discovery describes it.</summary>
public sealed record ResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced, string[] ShortNames)
{
    public static readonly ResourceType Nodes = new("", "v1", "nodes", "Node", false, ["no"]);
    public static readonly ResourceType PersistentVolumes = new("", "v1", "persistentvolumes", "PersistentVolume", false, ["pv"]);
    public static readonly ResourceType PersistentVolumeClaims = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, ["pvc"]);
    public static readonly ResourceType Pods = new("", "v1", "pods", "Pod", true, ["po"]);
    public static readonly ResourceType Events = new("", "v1", "events", "Event", true, ["ev"]);
    public static readonly ResourceType Namespaces = new("", "v1", "namespaces", "Namespace", false, ["ns"]);
    public static readonly ResourceType StorageClasses = new("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, ["sc"]);
    public static readonly ResourceType CsiStorageCapacities = new("storage.k8s.io", "v1", "csistoragecapacities", "CSIStorageCapacity", true, []);
    public static readonly ResourceType VolumeAttributesClasses = new("storage.k8s.io", "v1", "volumeattributesclasses", "VolumeAttributesClass", false, ["vac"]);
    public static readonly ResourceType CsiNodes = new("storage.k8s.io", "v1", "csinodes", "CSINode", false, []);
    public static readonly ResourceType Leases = new("coordination.k8s.io", "v1", "leases", "Lease", true, []);

    /// <summary>Everything the fake serves.</summary>
    public static IReadOnlyList<ResourceType> All { get; } =
        [Nodes, PersistentVolumes, PersistentVolumeClaims, Pods, Events, Namespaces, StorageClasses, VolumeAttributesClasses, CsiStorageCapacities, CsiNodes, Leases];

    /// <summary><c>v1</c> or <c>group/version</c>, as objects write it in <c>apiVersion</c>.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";

    /// <summary>The singular name kubectl shows (lower-case kind).</summary>
    public string Singular => Kind.ToLowerInvariant();

    public static ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    public static ResourceType? ForKind(string apiVersion, string kind) =>
        All.FirstOrDefault(r => r.ApiVersion == apiVersion && r.Kind == kind);
}
