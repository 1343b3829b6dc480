namespace Stratum.Lvm;

/// <summary>A new thin volume in an existing thin pool of the same VG.</summary>
public sealed record CreateThinVolumeRequest
{
    /// <summary>The VG holding the pool.</summary>
    public required string VolumeGroup { get; init; }

    /// <summary>The thin pool's LV name.</summary>
    public required string Pool { get; init; }

    /// <summary>The new volume's name.</summary>
    public required string Name { get; init; }

    /// <summary>Virtual size in bytes; rounded up to whole sectors, and by LVM to whole extents.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>Tags set atomically with the creation.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Extra lvcreate options; checked by <see cref="LvmExtraOptions"/>.</summary>
    public IReadOnlyList<string> ExtraOptions { get; init; } = [];
}
