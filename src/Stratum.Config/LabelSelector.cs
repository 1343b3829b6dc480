namespace Stratum.Config;

/// <summary>The operators of a Kubernetes label selector's <c>matchExpressions</c>.</summary>
public enum SelectorOperator
{
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// <summary>One <c>matchExpressions</c> item: <c>{key, operator, values}</c>.</summary>
public sealed record SelectorRequirement
{
    public required string Key { get; init; }

    public required SelectorOperator Operator { get; init; }

    /// <summary>For In and NotIn (at least one); empty for Exists and DoesNotExist.</summary>
    public IReadOnlyList<string> Values
    {
        get;
        init => field = [.. value];
    } = [];

    public bool Matches(IReadOnlyDictionary<string, string> labels) => Operator switch
    {
        SelectorOperator.In => labels.TryGetValue(Key, out var value) && Values.Contains(value, StringComparer.Ordinal),
        SelectorOperator.NotIn => !labels.TryGetValue(Key, out var value) || !Values.Contains(value, StringComparer.Ordinal),
        SelectorOperator.Exists => labels.ContainsKey(Key),
        SelectorOperator.DoesNotExist => !labels.ContainsKey(Key),
        _ => false,
    };

    public bool Equals(SelectorRequirement? other) =>
        other is not null && Key == other.Key && Operator == other.Operator && Values.SequenceEqual(other.Values, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Key, Operator, Values.Count);

    public override string ToString() => Operator switch
    {
        SelectorOperator.Exists => Key,
        SelectorOperator.DoesNotExist => "!" + Key,
        SelectorOperator.In => $"{Key} in ({string.Join(",", Values)})",
        _ => $"{Key} notin ({string.Join(",", Values)})",
    };
}

/// <summary>
/// A Kubernetes-style node label selector: every <c>matchLabels</c> pair and every
/// <c>matchExpressions</c> requirement must hold. Never empty (the configuration refuses a selector
/// that would match every node).
/// </summary>
public sealed record LabelSelector
{
    public IReadOnlyDictionary<string, string> MatchLabels
    {
        get;
        init => field = new SortedDictionary<string, string>(value.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal);
    } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    public IReadOnlyList<SelectorRequirement> MatchExpressions
    {
        get;
        init => field = [.. value];
    } = [];

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return MatchLabels.All(p => labels.TryGetValue(p.Key, out var value) && value == p.Value)
            && MatchExpressions.All(r => r.Matches(labels));
    }

    public bool Equals(LabelSelector? other) =>
        other is not null && MatchLabels.SequenceEqual(other.MatchLabels) && MatchExpressions.SequenceEqual(other.MatchExpressions);

    public override int GetHashCode() => HashCode.Combine(MatchLabels.Count, MatchExpressions.Count);

    /// <summary>kubectl's selector syntax, e.g. <c>disk=nvme,zone in (a,b)</c>.</summary>
    public override string ToString() =>
        string.Join(",", MatchLabels.Select(p => $"{p.Key}={p.Value}").Concat(MatchExpressions.Select(r => r.ToString())));
}
