namespace Stratum.Config;

/// <summary>
/// The configuration as it applies to one node: the device classes of the <c>nodes</c> section that
/// names or selects it, else the top-level ones. Built by <see cref="StratumConfig.ForNode"/>.
/// </summary>
public sealed record NodeConfig
{
    public required NodeIdentity Node { get; init; }

    /// <summary>This node's classes; empty when its section lists none (it provisions nothing).</summary>
    public required IReadOnlyList<DeviceClass> DeviceClasses
    {
        get;
        init => field = [.. value];
    }

    /// <summary>Which part of the file gave the classes, for messages and <c>stratum status</c>.</summary>
    public required string Origin { get; init; }

    /// <summary>The whole configuration the node's view was taken from.</summary>
    public required StratumConfig Config { get; init; }

    /// <summary>Why this node provisions nothing, or null when it has classes.</summary>
    public string? RefusalReason => DeviceClasses.Count > 0 ? null
        : $"node {Node.Name} has no device classes ({Origin}), so it provisions no volumes";

    public bool Equals(NodeConfig? other) =>
        other is not null && Node.Equals(other.Node) && Origin == other.Origin && Config.Equals(other.Config) && DeviceClasses.SequenceEqual(other.DeviceClasses);

    public override int GetHashCode() => HashCode.Combine(Node, Origin, DeviceClasses.Count);
}
