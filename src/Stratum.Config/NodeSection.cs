namespace Stratum.Config;

/// <summary>
/// One item of the configuration's <c>nodes</c> list: the device classes of the node called
/// <see cref="Name"/>, or of the nodes whose labels match <see cref="Selector"/> (exactly one of the
/// two is set). An empty class list means those nodes provision nothing.
/// </summary>
public sealed record NodeSection
{
    public string? Name { get; init; }

    public LabelSelector? Selector { get; init; }

    public required IReadOnlyList<DeviceClass> DeviceClasses
    {
        get;
        init => field = [.. value];
    }

    /// <summary>The file the section is written in (not part of equality, like <see cref="StratumConfig"/>'s).</summary>
    public string Source { get; init; } = string.Empty;

    /// <summary>Where the section starts (1-based).</summary>
    public int Line { get; init; }

    public int Column { get; init; }

    /// <summary><c>file:line</c>, for messages.</summary>
    public string Origin => $"{Source}:{Line}";

    /// <summary>How the section picks nodes, for messages: <c>node 'worker-1'</c> or <c>nodes with labels disk=nvme</c>.</summary>
    public string Description => Name is not null ? $"node '{Name}'" : $"nodes with labels {Selector}";

    public bool Equals(NodeSection? other) =>
        other is not null
        && Name == other.Name
        && Equals(Selector, other.Selector)
        && Line == other.Line
        && Column == other.Column
        && DeviceClasses.SequenceEqual(other.DeviceClasses);

    public override int GetHashCode() => HashCode.Combine(Name, Selector, Line, DeviceClasses.Count);
}
