namespace Stratum.Lvm;

/// <summary>A thin snapshot of a thin volume (no size: it shares the origin's pool).</summary>
public sealed record CreateThinSnapshotRequest
{
    /// <summary>The VG holding the origin.</summary>
    public required string VolumeGroup { get; init; }

    /// <summary>The thin volume to snapshot.</summary>
    public required string Origin { get; init; }

    /// <summary>The snapshot's name.</summary>
    public required string Name { get; init; }

    /// <summary>Tags set atomically with the creation.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>
    /// LVM marks thin snapshots "skip activation" and leaves them inactive. <c>true</c> clears the
    /// flag and activates the new LV (for a volume restored from a snapshot); <c>false</c> keeps
    /// LVM's default (for a snapshot that is only kept).
    /// </summary>
    public bool Activate { get; init; }
}
