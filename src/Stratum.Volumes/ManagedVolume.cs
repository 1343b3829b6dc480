using Stratum.Lvm;
using Stratum.Volumes.Metadata;
using Stratum.Volumes.Naming;

namespace Stratum.Volumes;

/// <summary>A volume Stratum owns: its LV as LVM reports it, and the metadata from its tags.</summary>
public sealed record ManagedVolume(LogicalVolume Lv, VolumeMetadata Metadata)
{
    public VolumeId Id { get; } = new(Lv.VolumeGroup, Lv.Name, Lv.Uuid);

    public long CapacityBytes => Lv.SizeBytes;

    /// <summary>Where the volume is in its life; only <see cref="VolumeState.Ready"/> volumes are served.</summary>
    public VolumeState State => Metadata.State;

    /// <summary>Complete, and not being deleted: the only kind of volume Stratum hands out.</summary>
    public bool IsReady => Metadata.State == VolumeState.Ready;

    /// <summary><c>vg/lv</c>.</summary>
    public string Name => Lv.FullName;

    /// <summary>LVM's health status when something is wrong with the LV (e.g. <c>partial</c> for a raid1 that lost a leg), else null.</summary>
    public string? HealthStatus => Lv.HealthStatus;

    /// <summary>The block device to format, mount or publish (<c>/dev/vg/lv</c>).</summary>
    public string DevicePath => Lv.Path ?? $"/dev/{Lv.VolumeGroup}/{Lv.Name}";

    /// <summary>Reads an LV as a managed volume; null when it is not Stratum's (or its tags are damaged).</summary>
    public static ManagedVolume? From(LogicalVolume lv) =>
        VolumeMetadata.FromTags(lv.Tags) is { } metadata ? new ManagedVolume(lv, metadata) : null;
}
