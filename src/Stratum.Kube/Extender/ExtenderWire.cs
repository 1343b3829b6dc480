using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Stratum.Kube.Client;

namespace Stratum.Kube.Extender;

/// <summary>
/// The kube-scheduler extender wire format (k8s.io/kube-scheduler/extender/v1). Its Go structs
/// have no JSON tags, so the scheduler writes the Go field names (<c>Pod</c>, <c>Nodes</c>,
/// <c>NodeNames</c>, ...) and reads names case-insensitively; the pod and nodes inside are
/// ordinary Kubernetes JSON. Only what Stratum reads of the pod is modelled; nodes are kept as JSON
/// so a filter answer can hand them back untouched.
/// </summary>
public sealed class ExtenderArgs
{
    [JsonPropertyName("Pod")]
    public PodClaims? Pod { get; set; }

    /// <summary>Full nodes, when the extender is configured with <c>nodeCacheCapable: false</c>.</summary>
    [JsonPropertyName("Nodes")]
    public NodeListJson? Nodes { get; set; }

    /// <summary>Node names, when the extender is configured with <c>nodeCacheCapable: true</c>.</summary>
    [JsonPropertyName("NodeNames")]
    public List<string>? NodeNames { get; set; }
}

public sealed class NodeListJson
{
    [JsonPropertyName("items")]
    public List<JsonObject>? Items { get; set; }
}

public sealed class ExtenderFilterResult
{
    [JsonPropertyName("Nodes")]
    public NodeListJson? Nodes { get; set; }

    [JsonPropertyName("NodeNames")]
    public List<string>? NodeNames { get; set; }

    [JsonPropertyName("FailedNodes")]
    public Dictionary<string, string> FailedNodes { get; set; } = [];

    /// <summary>Nodes no preemption can help (evicting pods frees no LVM space).</summary>
    [JsonPropertyName("FailedAndUnresolvableNodes")]
    public Dictionary<string, string> FailedAndUnresolvableNodes { get; set; } = [];

    [JsonPropertyName("Error")]
    public string Error { get; set; } = "";
}

public sealed class HostPriority
{
    [JsonPropertyName("Host")]
    public string Host { get; set; } = "";

    [JsonPropertyName("Score")]
    public long Score { get; set; }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExtenderArgs))]
[JsonSerializable(typeof(ExtenderFilterResult))]
[JsonSerializable(typeof(List<HostPriority>))]
public sealed partial class ExtenderJson : JsonSerializerContext;
