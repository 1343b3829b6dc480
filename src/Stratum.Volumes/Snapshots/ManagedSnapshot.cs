using Stratum.Lvm;
using Stratum.Volumes.Metadata;
using Stratum.Volumes.Naming;

namespace Stratum.Volumes.Snapshots;

/// <summary>A snapshot Stratum owns: its LV (a thin snapshot, or an independent thick copy) and its metadata.</summary>
public sealed record ManagedSnapshot(LogicalVolume Lv, SnapshotMetadata Metadata)
{
    /// <summary>The snapshot id: <c>VG:LV:UUID</c>, like a volume id (the UUID pins the exact LV).</summary>
    public VolumeId Id { get; } = new(Lv.VolumeGroup, Lv.Name, Lv.Uuid);

    /// <summary>Usable as a source: a thin snapshot at once, a thick one once its copy is complete.</summary>
    public bool IsReady => Metadata.State == VolumeState.Ready;

    /// <summary>The source's size when taken (CSI size_bytes): the smallest volume it restores into.</summary>
    public long SizeBytes => Metadata.SourceBytes;

    /// <summary>The block device holding the snapshot's data.</summary>
    public string DevicePath => Lv.Path ?? $"/dev/{Lv.VolumeGroup}/{Lv.Name}";

    /// <summary>Reads an LV as a snapshot; null when it is not a snapshot of Stratum's.</summary>
    public static ManagedSnapshot? From(LogicalVolume lv) =>
        SnapshotMetadata.FromTags(lv.Tags) is { } metadata ? new ManagedSnapshot(lv, metadata) : null;
}
