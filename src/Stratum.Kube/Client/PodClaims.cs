using System.Text.Json.Serialization;
using k8s.Models;

namespace Stratum.Kube.Client;

/// <summary>
/// A Pod as Stratum reads it (node loss): its metadata, its node and the claims it mounts. The rest
/// of the object is skipped when it is read. <see cref="V1Pod"/> would link the JSON metadata and
/// converters of its ~100 nested types (containers, probes, security contexts, every volume
/// source, ...) into the native binary for these few fields.
/// </summary>
public sealed class PodClaims
{
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public PodClaimsSpec? Spec { get; set; }
}

public sealed class PodClaimsSpec
{
    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    [JsonPropertyName("volumes")]
    public IList<PodClaimVolume>? Volumes { get; set; }
}

/// <summary>A volume of a Pod; only a claim source is read.</summary>
public sealed class PodClaimVolume
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("persistentVolumeClaim")]
    public V1PersistentVolumeClaimVolumeSource? PersistentVolumeClaim { get; set; }
}

/// <summary>A list of <see cref="PodClaims"/>.</summary>
public sealed class PodClaimsList
{
    [JsonPropertyName("metadata")]
    public V1ListMeta? Metadata { get; set; }

    [JsonPropertyName("items")]
    public IList<PodClaims> Items { get; set; } = [];
}
