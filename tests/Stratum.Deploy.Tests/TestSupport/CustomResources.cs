using k8s;
using k8s.Models;

namespace Stratum.Deploy.Tests.TestSupport;

// Typed models for the few objects deploy/ ships that KubernetesClient has no model for. Loaded
// with the same strict deserializer, so a misspelled field fails here too. Only the fields we
// ship are declared: a field that is valid upstream but missing here fails loudly, and is then
// added on purpose.

/// <summary>snapshot.storage.k8s.io/v1 VolumeSnapshotClass (a CRD of the external-snapshotter).</summary>
public sealed class V1VolumeSnapshotClass : IKubernetesObject<V1ObjectMeta>
{
    public const string ApiGroupVersion = "snapshot.storage.k8s.io/v1";

    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public V1ObjectMeta Metadata { get; set; } = new();

    public string Driver { get; set; } = "";

    /// <summary>Delete or Retain.</summary>
    public string DeletionPolicy { get; set; } = "";

    public IDictionary<string, string>? Parameters { get; set; }
}

/// <summary>monitoring.coreos.com/v1 ServiceMonitor (a CRD of the prometheus-operator).</summary>
public sealed class V1ServiceMonitor : IKubernetesObject<V1ObjectMeta>
{
    public const string ApiGroupVersion = "monitoring.coreos.com/v1";

    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public V1ObjectMeta Metadata { get; set; } = new();

    public ServiceMonitorSpec Spec { get; set; } = new();
}

public sealed class ServiceMonitorSpec
{
    public V1LabelSelector Selector { get; set; } = new();

    public IList<ServiceMonitorEndpoint> Endpoints { get; set; } = [];
}

public sealed class ServiceMonitorEndpoint
{
    public string Port { get; set; } = "";

    public string? Path { get; set; }

    public string? Interval { get; set; }
}

/// <summary>kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration, as far as deploy/scheduler uses it.</summary>
public sealed class KubeSchedulerConfiguration
{
    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public IList<SchedulerProfile> Profiles { get; set; } = [];
}

public sealed class SchedulerProfile
{
    public string? SchedulerName { get; set; }

    public IList<PluginConfig> PluginConfig { get; set; } = [];
}

public sealed class PluginConfig
{
    public string Name { get; set; } = "";

    public VolumeBindingArgs? Args { get; set; }
}

public sealed class VolumeBindingArgs
{
    public long? BindTimeoutSeconds { get; set; }

    public IList<UtilizationShapePoint> Shape { get; set; } = [];
}

public sealed class UtilizationShapePoint
{
    public int Utilization { get; set; }

    public int Score { get; set; }
}
