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

    /// <summary>The volume group the LV is in.</summary>
    public string VolumeGroup => Lv.VolumeGroup;

    /// <summary>The LV's own name (without the VG).</summary>
    public string LvName => Lv.Name;

    /// <summary>Whether the LV's device is open (mounted, or held by a process or a mapping) as LVM last reported.</summary>
    public bool IsOpen => Lv.IsOpen;

    /// <summary>LVM's health status when something is wrong with the LV (e.g. <c>partial</c> for a raid1 that lost a leg), else null.</summary>
    public string? HealthStatus => Lv.HealthStatus;

    /// <summary>The block device to format, mount or publish (<c>/dev/vg/lv</c>).</summary>
    public string DevicePath => Lv.Path ?? $"/dev/{Lv.VolumeGroup}/{Lv.Name}";

    /// <summary>Reads an LV as a managed volume; null when it is not Stratum's (or its tags are damaged).</summary>
    public static ManagedVolume? From(LogicalVolume lv) =>
        VolumeMetadata.FromTags(lv.Tags) is { } metadata ? new ManagedVolume(lv, metadata) : null;
}
