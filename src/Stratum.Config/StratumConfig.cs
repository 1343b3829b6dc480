namespace Stratum.Config;

/// <summary>
/// A validated configuration, as loaded by <see cref="ConfigLoader"/>: the top-level device classes
/// (every node's, unless a <see cref="Nodes"/> section names or selects it) and the per-node
/// sections. Immutable with value equality (the file's name aside), so a reloaded file can be
/// compared with the running one. <see cref="ForNode"/> gives one node's view.
/// </summary>
public sealed record StratumConfig
{
    public const int DefaultCapacityRefreshSeconds = 30;
    public const int MinCapacityRefreshSeconds = 1;
    public const int MaxCapacityRefreshSeconds = 3600;

    public const int DefaultDiskRescanSeconds = 60;
    public const int MinDiskRescanSeconds = 5;
    public const int MaxDiskRescanSeconds = 86400;

    public const int DefaultGcGracePeriodSeconds = 3600;
    public const int MinGcGracePeriodSeconds = 60;
    public const int MaxGcGracePeriodSeconds = 30 * 86400;

    public const int DefaultGcIntervalSeconds = 600;
    public const int MinGcIntervalSeconds = 10;
    public const int MaxGcIntervalSeconds = 86400;

    /// <summary>
    /// The top-level device classes in file order: those of every node no <see cref="Nodes"/> section
    /// names or selects. Exactly one is the default; empty only when <see cref="Nodes"/> is given
    /// (nodes it does not list then provision nothing).
    /// </summary>
    public required IReadOnlyList<DeviceClass> DeviceClasses
    {
        get;
        init => field = [.. value];
    }

    /// <summary>Per-node sections, by node name or label selector, in file order.</summary>
    public IReadOnlyList<NodeSection> Nodes
    {
        get;
        init => field = [.. value];
    } = [];

    /// <summary>How often the capacity cache is refreshed, in seconds (1-3600).</summary>
    public int CapacityRefreshSeconds { get; init; } = DefaultCapacityRefreshSeconds;

    public TimeSpan CapacityRefreshInterval => TimeSpan.FromSeconds(CapacityRefreshSeconds);

    /// <summary>How often disks matching the classes' <c>devices</c> are looked at again, in seconds (5-86400).</summary>
    public int DiskRescanSeconds { get; init; } = DefaultDiskRescanSeconds;

    public TimeSpan DiskRescanInterval => TimeSpan.FromSeconds(DiskRescanSeconds);

    /// <summary>
    /// What the orphan GC of <c>stratum node</c> does about Stratum's volumes without a
    /// PersistentVolume: report them (default), delete them too, or nothing. It runs only where the
    /// node reaches the Kubernetes API.
    /// </summary>
    public GcMode Gc { get; init; } = GcMode.Report;

    /// <summary>A volume without a PV is left alone until it is this old, in seconds (60 to 30 days).</summary>
    public int GcGracePeriodSeconds { get; init; } = DefaultGcGracePeriodSeconds;

    public TimeSpan GcGracePeriod => TimeSpan.FromSeconds(GcGracePeriodSeconds);

    /// <summary>Time between GC passes, in seconds (10-86400).</summary>
    public int GcIntervalSeconds { get; init; } = DefaultGcIntervalSeconds;

    public TimeSpan GcInterval => TimeSpan.FromSeconds(GcIntervalSeconds);

    /// <summary>The file the configuration came from, for messages (not part of equality).</summary>
    public string Source { get; init; } = "(configuration)";

    /// <summary>
    /// The device classes of <paramref name="node"/>: those of the section naming it, else of the one
    /// section whose selector matches its labels, else the top-level ones.
    /// </summary>
    /// <exception cref="ConfigException">Two or more selectors match the node (the file does not say which wins).</exception>
    public NodeConfig ForNode(NodeIdentity node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (Nodes.FirstOrDefault(n => n.Name == node.Name) is { } named)
        {
            return View(node, named.DeviceClasses, $"the 'nodes' entry for {named.Description} at {named.Origin}");
        }

        var selected = Nodes.Where(n => n.Selector is { } selector && selector.Matches(node.Labels)).ToList();
        if (selected.Count > 1)
        {
            var lines = string.Join(", ", selected.Select(s => s.Line));
            throw new ConfigException(selected.Skip(1).Select(s => new ConfigProblem(
                Source, s.Line, s.Column,
                $"node {node} matches the selectors of the 'nodes' entries at lines {lines}; a node may match only one: make the selectors exclusive or add an entry with the node's name")).ToList());
        }

        return selected.Count == 1
            ? View(node, selected[0].DeviceClasses, $"the 'nodes' entry for {selected[0].Description} at {selected[0].Origin}")
            : View(node, DeviceClasses, Nodes.Count == 0 ? $"the device classes of {Source}" : $"the top-level device classes of {Source} (no 'nodes' entry names or selects this node)");
    }

    private NodeConfig View(NodeIdentity node, IReadOnlyList<DeviceClass> classes, string origin) =>
        new() { Node = node, DeviceClasses = classes, Origin = origin, Config = this };

    public bool Equals(StratumConfig? other) =>
        other is not null
        && CapacityRefreshSeconds == other.CapacityRefreshSeconds
        && DiskRescanSeconds == other.DiskRescanSeconds
        && Gc == other.Gc
        && GcGracePeriodSeconds == other.GcGracePeriodSeconds
        && GcIntervalSeconds == other.GcIntervalSeconds
        && DeviceClasses.SequenceEqual(other.DeviceClasses)
        && Nodes.SequenceEqual(other.Nodes);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(CapacityRefreshSeconds);
        hash.Add(DiskRescanSeconds);
        hash.Add(Gc);
        hash.Add(GcGracePeriodSeconds);
        hash.Add(GcIntervalSeconds);
        foreach (var deviceClass in DeviceClasses)
        {
            hash.Add(deviceClass);
        }

        hash.Add(Nodes.Count);
        return hash.ToHashCode();
    }
}
