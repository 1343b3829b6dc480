using k8s.Models;
using Stratum.Kube.Informers;

namespace Stratum.Kube.Extender;

/// <summary><see cref="IClusterCapacity"/> over watched caches of PVCs, StorageClasses, CSIStorageCapacities and Nodes.</summary>
public sealed class InformerCapacity(
    Informer<V1PersistentVolumeClaim, V1PersistentVolumeClaimList> claims,
    Informer<V1StorageClass, V1StorageClassList> classes,
    Informer<V1CSIStorageCapacity, V1CSIStorageCapacityList> capacities,
    Informer<V1Node, V1NodeList> nodes) : IClusterCapacity
{
    public bool IsCurrent => claims.IsCurrent && classes.IsCurrent && capacities.IsCurrent && nodes.IsCurrent;

    public V1PersistentVolumeClaim? Claim(string ns, string name) => claims.Get(ns, name);

    public V1StorageClass? StorageClass(string name) => classes.Get(null, name);

    public IReadOnlyList<V1CSIStorageCapacity> Capacities() => capacities.List();

    public string TopologyOf(string nodeName) =>
        nodes.Get(null, nodeName)?.Metadata?.Labels is { } labels && labels.TryGetValue(StratumNames.TopologyKey, out var value)
            ? value
            : nodeName;
}
