using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Stratum.Kube.Client;

/// <summary>
/// A Pod as Stratum reads it, wherever it reads one (node loss lists them; the scheduler extender
/// is handed one): its identity, its node and the claims it mounts. The rest of the object is
/// skipped when it is read. <c>V1Pod</c> would link the JSON metadata and converters of its ~100
/// nested types (containers, probes, security contexts, every volume source, ...) into the
/// native binary for these few fields.
/// </summary>
public sealed class PodClaims
{
    [JsonPropertyName("metadata")]
    public PodClaimsMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public PodClaimsSpec? Spec { get; set; }

    /// <summary>The names of the claims the pod mounts, generic ephemeral ones included.</summary>
    public IEnumerable<string> ClaimNames() =>
        (Spec?.Volumes ?? []).Select(v => v.ClaimName(Metadata.Name)).OfType<string>();
}

public sealed class PodClaimsMeta
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    /// <summary>Set once the pod is being deleted; only its presence matters here.</summary>
    [JsonPropertyName("deletionTimestamp")]
    public string? DeletionTimestamp { get; set; }
}

public sealed class PodClaimsSpec
{
    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    [JsonPropertyName("volumes")]
    public List<PodClaimVolume>? Volumes { get; set; }
}

/// <summary>A volume of a Pod; only its claim, if it has one, is read.</summary>
public sealed class PodClaimVolume
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("persistentVolumeClaim")]
    public PodClaimSource? PersistentVolumeClaim { get; set; }

    /// <summary>A generic ephemeral volume: its claim is named <c>&lt;pod&gt;-&lt;volume&gt;</c>.</summary>
    [JsonPropertyName("ephemeral")]
    public JsonObject? Ephemeral { get; set; }

    /// <summary>The claim this volume mounts in pod <paramref name="podName"/>, or null when it mounts none.</summary>
    public string? ClaimName(string? podName) =>
        PersistentVolumeClaim?.ClaimName
        ?? (Ephemeral is not null && podName is not null && Name is not null ? $"{podName}-{Name}" : null);
}

public sealed class PodClaimSource
{
    [JsonPropertyName("claimName")]
    public string? ClaimName { get; set; }
}

/// <summary>A list of <see cref="PodClaims"/>.</summary>
public sealed class PodClaimsList
{
    [JsonPropertyName("items")]
    public List<PodClaims> Items { get; set; } = [];
}
