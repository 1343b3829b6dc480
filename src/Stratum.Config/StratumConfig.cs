namespace Stratum.Config;

/// <summary>
/// One node's validated configuration, as loaded by <see cref="ConfigLoader"/>. Immutable with value
/// equality, so a reloaded file can be compared with the running one.
/// </summary>
public sealed record StratumConfig
{
    public const int DefaultCapacityRefreshSeconds = 30;
    public const int MinCapacityRefreshSeconds = 1;
    public const int MaxCapacityRefreshSeconds = 3600;

    /// <summary>The device classes in file order; exactly one has <see cref="DeviceClass.IsDefault"/>.</summary>
    public required IReadOnlyList<DeviceClass> DeviceClasses
    {
        get;
        init => field = [.. value];
    }

    /// <summary>How often the capacity cache is refreshed, in seconds (1-3600).</summary>
    public int CapacityRefreshSeconds { get; init; } = DefaultCapacityRefreshSeconds;

    public TimeSpan CapacityRefreshInterval => TimeSpan.FromSeconds(CapacityRefreshSeconds);

    public bool Equals(StratumConfig? other) =>
        other is not null
        && CapacityRefreshSeconds == other.CapacityRefreshSeconds
        && DeviceClasses.SequenceEqual(other.DeviceClasses);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(CapacityRefreshSeconds);
        foreach (var deviceClass in DeviceClasses)
        {
            hash.Add(deviceClass);
        }

        return hash.ToHashCode();
    }
}
