using k8s.Models;

namespace Stratum.Kube.Tests;

/// <summary>Builders for the Kubernetes objects the tests put into the fake API server.</summary>
internal static class Objects
{
    public static V1Node Node(string name, bool ready = true) => new()
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { [StratumNames.TopologyKey] = name } },
        Status = new V1NodeStatus { Conditions = [new V1NodeCondition { Type = "Ready", Status = ready ? "True" : "False" }] },
    };

    public static V1StorageClass StorageClass(string name, string? deviceClass = null, string? nodeLossPolicy = null, string bindingMode = "WaitForFirstConsumer", string provisioner = StratumNames.DriverName)
    {
        var parameters = new Dictionary<string, string>();
        if (deviceClass is not null)
        {
            parameters[StratumNames.DeviceClassParameter] = deviceClass;
        }

        if (nodeLossPolicy is not null)
        {
            parameters[StratumNames.NodeLossPolicyParameter] = nodeLossPolicy;
        }

        return new V1StorageClass
        {
            ApiVersion = "storage.k8s.io/v1",
            Kind = "StorageClass",
            Metadata = new V1ObjectMeta { Name = name },
            Provisioner = provisioner,
            Parameters = parameters,
            VolumeBindingMode = bindingMode,
            ReclaimPolicy = "Delete",
        };
    }

    public static V1PersistentVolume PersistentVolume(string name, string volumeHandle, string node, string storageClass = "stratum", string? claimNamespace = null, string? claimName = null, string? claimUid = null, string phase = "Bound", string reclaimPolicy = "Delete", string driver = StratumNames.DriverName) => new()
    {
        ApiVersion = "v1",
        Kind = "PersistentVolume",
        Metadata = new V1ObjectMeta { Name = name, Finalizers = ["kubernetes.io/pv-protection", StratumNames.ProvisionerFinalizer] },
        Spec = new V1PersistentVolumeSpec
        {
            Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") },
            AccessModes = ["ReadWriteOnce"],
            PersistentVolumeReclaimPolicy = reclaimPolicy,
            StorageClassName = storageClass,
            Csi = new V1CSIPersistentVolumeSource { Driver = driver, VolumeHandle = volumeHandle },
            NodeAffinity = new V1VolumeNodeAffinity
            {
                Required = new V1NodeSelector
                {
                    NodeSelectorTerms =
                    [
                        new V1NodeSelectorTerm
                        {
                            MatchExpressions = [new V1NodeSelectorRequirement { Key = StratumNames.TopologyKey, OperatorProperty = "In", Values = [node] }],
                        },
                    ],
                },
            },
            ClaimRef = claimName is null ? null : new V1ObjectReference { Kind = "PersistentVolumeClaim", NamespaceProperty = claimNamespace, Name = claimName, Uid = claimUid },
        },
        Status = new V1PersistentVolumeStatus { Phase = phase },
    };

    public static V1PersistentVolumeClaim Claim(string ns, string name, string storageClass = "stratum", string size = "1Gi", string? volumeName = null, string? selectedNode = null, string? phase = null) => new()
    {
        ApiVersion = "v1",
        Kind = "PersistentVolumeClaim",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Finalizers = ["kubernetes.io/pvc-protection"],
            Annotations = selectedNode is null ? null : new Dictionary<string, string> { [StratumNames.SelectedNodeAnnotation] = selectedNode },
        },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            StorageClassName = storageClass,
            VolumeName = volumeName,
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) } },
        },
        Status = new V1PersistentVolumeClaimStatus { Phase = phase ?? (volumeName is null ? "Pending" : "Bound") },
    };

    public static V1Pod Pod(string ns, string name, string? node, params string[] claims) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1PodSpec
        {
            NodeName = node,
            Containers = [new V1Container { Name = "app", Image = "busybox" }],
            Volumes = [.. claims.Select((c, i) => new V1Volume { Name = $"data{i}", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = c } })],
        },
    };
}
