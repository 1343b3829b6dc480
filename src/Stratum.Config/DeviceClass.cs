namespace Stratum.Config;

/// <summary>
/// A named way to carve volumes: which volume group, how much of it to keep free, which filesystem
/// when a request names none, and the LV layout. StorageClasses choose one with the parameter
/// <c>deviceClass</c>, or get the default.
/// </summary>
public sealed record DeviceClass
{
    /// <summary>1-63 characters of [a-z0-9], '-' or '.' inside; unique within a configuration.</summary>
    public required string Name { get; init; }

    /// <summary>The LVM volume group the class's volumes are carved from (several classes may share one).</summary>
    public required string VolumeGroup { get; init; }

    /// <summary>True for the class used when a StorageClass names none; exactly one class per configuration.</summary>
    public bool IsDefault { get; init; }

    /// <summary>Bytes of the volume group never given to this class's volumes.</summary>
    public long SpareBytes { get; init; }

    /// <summary>Filesystem for mount volumes whose capability names none.</summary>
    public FileSystemType FsType { get; init; } = FileSystemType.Ext4;

    public LvCreateSettings LvCreate { get; init; } = LvCreateSettings.Default;

    /// <summary>
    /// Whether DeleteVolume discards the volume's blocks before removing its LV (where the device
    /// supports discard), so a thin-provisioned disk or an SSD gets the space back and nothing of
    /// the volume's data stays readable on the disk. On by default.
    /// </summary>
    public bool DiscardOnDelete { get; init; } = true;

    /// <summary>Disks Stratum may claim for <see cref="VolumeGroup"/> (null: the VG is managed by hand).</summary>
    public DevicePatterns? Devices { get; init; }

    /// <summary>Set for a thin class: its volumes are thin volumes in this pool. Null for a thick class.</summary>
    public ThinPoolSettings? Thin { get; init; }

    /// <summary>Whether the class carves thin volumes from a pool.</summary>
    public bool IsThin => Thin is not null;
}
