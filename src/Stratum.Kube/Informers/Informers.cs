using k8s.Models;
using Microsoft.Extensions.Logging;
using Stratum.Kube.Client;

namespace Stratum.Kube.Informers;

/// <summary>The informers Stratum uses, by resource.</summary>
public static class Informers
{
    public static Informer<V1Node, V1NodeList> Nodes(KubeConnection api, ILogger logger, InformerOptions? options = null) =>
        new(api, "api/v1/nodes", KubeJson.Default.V1Node, KubeJson.Default.V1NodeList, logger, options);

    public static Informer<V1PersistentVolume, V1PersistentVolumeList> PersistentVolumes(KubeConnection api, ILogger logger, InformerOptions? options = null) =>
        new(api, "api/v1/persistentvolumes", KubeJson.Default.V1PersistentVolume, KubeJson.Default.V1PersistentVolumeList, logger, options);

    public static Informer<V1PersistentVolumeClaim, V1PersistentVolumeClaimList> PersistentVolumeClaims(KubeConnection api, ILogger logger, InformerOptions? options = null) =>
        new(api, "api/v1/persistentvolumeclaims", KubeJson.Default.V1PersistentVolumeClaim, KubeJson.Default.V1PersistentVolumeClaimList, logger, options);

    public static Informer<V1StorageClass, V1StorageClassList> StorageClasses(KubeConnection api, ILogger logger, InformerOptions? options = null) =>
        new(api, "apis/storage.k8s.io/v1/storageclasses", KubeJson.Default.V1StorageClass, KubeJson.Default.V1StorageClassList, logger, options);

    public static Informer<V1CSIStorageCapacity, V1CSIStorageCapacityList> StorageCapacities(KubeConnection api, ILogger logger, InformerOptions? options = null) =>
        new(api, "apis/storage.k8s.io/v1/csistoragecapacities", KubeJson.Default.V1CSIStorageCapacity, KubeJson.Default.V1CSIStorageCapacityList, logger, options);

    public static Informer<V1VolumeAttributesClass, V1VolumeAttributesClassList> VolumeAttributesClasses(KubeConnection api, ILogger logger, InformerOptions? options = null) =>
        new(api, "apis/storage.k8s.io/v1/volumeattributesclasses", KubeJson.Default.V1VolumeAttributesClass, KubeJson.Default.V1VolumeAttributesClassList, logger, options);
}
