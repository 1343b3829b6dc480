namespace Stratum.Config;

/// <summary>
/// One published configuration: immutable, numbered. The running plugin reads
/// <see cref="ConfigMonitor.Current"/> once per operation and keeps that reference, so a reload
/// in the middle of an operation never changes what it sees.
/// </summary>
public sealed class ConfigSnapshot
{
    public ConfigSnapshot(long generation, NodeConfig node, string contentHash, DateTimeOffset loadedAt)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(generation);
        Generation = generation;
        Node = node;
        Classes = new DeviceClassManager(node);
        ContentHash = contentHash;
        LoadedAt = loadedAt;
    }

    /// <summary>1 for the configuration loaded at start, one more for each change applied since.</summary>
    public long Generation { get; }

    /// <summary>The whole file's configuration.</summary>
    public StratumConfig Config => Node.Config;

    /// <summary>This node's view of it.</summary>
    public NodeConfig Node { get; }

    /// <summary>This node's device classes, indexed.</summary>
    public DeviceClassManager Classes { get; }

    /// <summary>The first 12 hex digits of the SHA-256 of the file's text (and labels), to tell versions apart.</summary>
    public string ContentHash { get; }

    public DateTimeOffset LoadedAt { get; }

    public override string ToString() => $"generation {Generation} ({ContentHash}, {Node.Origin})";
}

/// <summary>Why the last reload was rejected; the previous snapshot stayed in use.</summary>
public sealed record ConfigReloadError(DateTimeOffset At, IReadOnlyList<ConfigProblem> Problems)
{
    public string Message => string.Join('\n', Problems);
}
