using k8s.Models;
using Microsoft.Extensions.Logging;
using Stratum.Kube.Client;

namespace Stratum.Kube.Informers;

/// <summary>The informers Stratum uses, by resource.</summary>
public static class Informers
{
    public static Informer<V1Node, V1NodeList> Nodes(KubeConnection api, ILogger logger, InformerOptions? options = null) =>
        new(api, "api/v1/nodes", logger, options);

    public static Informer<V1PersistentVolume, V1PersistentVolumeList> PersistentVolumes(KubeConnection api, ILogger logger, InformerOptions? options = null) =>
        new(api, "api/v1/persistentvolumes", logger, options);

    public static Informer<V1PersistentVolumeClaim, V1PersistentVolumeClaimList> PersistentVolumeClaims(KubeConnection api, ILogger logger, InformerOptions? options = null) =>
        new(api, "api/v1/persistentvolumeclaims", logger, options);

    public static Informer<V1StorageClass, V1StorageClassList> StorageClasses(KubeConnection api, ILogger logger, InformerOptions? options = null) =>
        new(api, "apis/storage.k8s.io/v1/storageclasses", logger, options);

    public static Informer<V1CSIStorageCapacity, V1CSIStorageCapacityList> StorageCapacities(KubeConnection api, ILogger logger, InformerOptions? options = null) =>
        new(api, "apis/storage.k8s.io/v1/csistoragecapacities", logger, options);

    public static Informer<V1VolumeAttributesClass, V1VolumeAttributesClassList> VolumeAttributesClasses(KubeConnection api, ILogger logger, InformerOptions? options = null) =>
        new(api, "apis/storage.k8s.io/v1/volumeattributesclasses", logger, options);

    public static Informer<V1Pod, V1PodList> Pods(KubeConnection api, ILogger logger, InformerOptions? options = null) =>
        new(api, "api/v1/pods", logger, options);
}
