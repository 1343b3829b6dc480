using System.Collections.Immutable;

namespace Stratum.Config;

/// <summary>
/// Who this node is, as the configuration's <c>nodes</c> sections see it: its name (the CSI node id)
/// and its labels. Labels come from an <see cref="INodeLabelSource"/>: a file or flags today, the
/// Kubernetes Node object later.
/// </summary>
public sealed record NodeIdentity
{
    public NodeIdentity(string name, IEnumerable<KeyValuePair<string, string>>? labels = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Labels = (labels ?? []).ToImmutableSortedDictionary(StringComparer.Ordinal, StringComparer.Ordinal);
    }

    public string Name { get; }

    public ImmutableSortedDictionary<string, string> Labels { get; }

    public bool Equals(NodeIdentity? other) =>
        other is not null && Name == other.Name && Labels.SequenceEqual(other.Labels);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name);
        foreach (var (key, value) in Labels)
        {
            hash.Add(key);
            hash.Add(value);
        }

        return hash.ToHashCode();
    }

    public override string ToString() =>
        Labels.Count == 0 ? Name : $"{Name} ({string.Join(", ", Labels.Select(l => $"{l.Key}={l.Value}"))})";
}
