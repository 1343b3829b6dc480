namespace Stratum.Kube;

/// <summary>
/// The names Stratum's Kubernetes objects carry. The driver name and topology key are the CSI
/// plugin's (Stratum.Csi's PluginInfo.DriverName and CsiTopology.NodeKey; a test keeps them equal):
/// this project does not depend on the gRPC layer.
/// </summary>
public static class StratumNames
{
    /// <summary>The CSI driver name PVs and StorageClasses carry.</summary>
    public const string DriverName = "lvm.stratum.dev";

    /// <summary>The topology key whose value is the node a volume lives on.</summary>
    public const string TopologyKey = "topology.lvm.stratum.dev/node";

    /// <summary>StorageClass parameter picking the device class (absent: the node's default class).</summary>
    public const string DeviceClassParameter = "deviceClass";

    /// <summary>StorageClass parameter: what the controller does with claims on a deleted node (<c>keep</c> or <c>release</c>).</summary>
    public const string NodeLossPolicyParameter = "nodeLossPolicy";

    /// <summary>The scheduler's annotation on a WaitForFirstConsumer claim naming the node it picked.</summary>
    public const string SelectedNodeAnnotation = "volume.kubernetes.io/selected-node";

    /// <summary>The external-provisioner's finalizer on the PVs it provisioned.</summary>
    public const string ProvisionerFinalizer = "external-provisioner.volume.kubernetes.io/finalizer";

    /// <summary>The component name Stratum's Events are reported by.</summary>
    public const string EventSource = "stratum-controller";
}
