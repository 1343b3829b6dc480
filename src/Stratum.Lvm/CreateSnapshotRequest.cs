namespace Stratum.Lvm;

/// <summary>A thick copy-on-write snapshot of an LV, with its own COW space.</summary>
public sealed record CreateSnapshotRequest
{
    /// <summary>The VG holding the origin.</summary>
    public required string VolumeGroup { get; init; }

    /// <summary>The LV to snapshot.</summary>
    public required string Origin { get; init; }

    /// <summary>The snapshot's name.</summary>
    public required string Name { get; init; }

    /// <summary>COW space in bytes (LVM caps it at what the origin can ever need).</summary>
    public required long SizeBytes { get; init; }

    /// <summary>Tags set atomically with the creation.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
}
