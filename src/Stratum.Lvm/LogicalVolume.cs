namespace Stratum.Lvm;

/// <summary>One logical volume as <c>lvs</c> reports it.</summary>
public sealed record LogicalVolume
{
    /// <summary>The VG holding the LV.</summary>
    public required string VolumeGroup { get; init; }

    /// <summary>LV name.</summary>
    public required string Name { get; init; }

    /// <summary>LV UUID (LVM's 38-character form); pins this exact LV across re-creations with the same name.</summary>
    public required string Uuid { get; init; }

    /// <summary>Size in bytes (the virtual size for thin volumes).</summary>
    public required long SizeBytes { get; init; }

    /// <summary>LVM's ten-character <c>lv_attr</c>, e.g. <c>-wi-a-----</c>.</summary>
    public required string Attributes { get; init; }

    /// <summary>LV tags.</summary>
    public required TagSet Tags { get; init; }

    /// <summary><c>/dev/vg/lv</c>, or <c>null</c> for LVs without one (thin pools, hidden LVs).</summary>
    public required string? Path { get; init; }

    /// <summary><c>/dev/mapper/vg-lv</c>.</summary>
    public required string? DeviceMapperPath { get; init; }

    /// <summary>Kernel device major number, or <c>null</c> when inactive.</summary>
    public required int? KernelMajor { get; init; }

    /// <summary>Kernel device minor number, or <c>null</c> when inactive.</summary>
    public required int? KernelMinor { get; init; }

    /// <summary>The thin pool of a thin volume, else <c>null</c>.</summary>
    public required string? Pool { get; init; }

    /// <summary>The origin of a snapshot, else <c>null</c>.</summary>
    public required string? Origin { get; init; }

    /// <summary>Data usage in percent (thin pools, thin volumes, COW snapshots), else <c>null</c>.</summary>
    public required double? DataPercent { get; init; }

    /// <summary>Metadata usage in percent (thin pools), else <c>null</c>.</summary>
    public required double? MetadataPercent { get; init; }

    /// <summary>Segment type of the first segment: <c>linear</c>, <c>striped</c>, <c>raid1</c>, <c>thin</c>, <c>thin-pool</c>, …</summary>
    public required string SegmentType { get; init; }

    /// <summary>Whether the LV is active (has a device-mapper device).</summary>
    public required bool IsActive { get; init; }

    /// <summary>Number of stripes (or raid images) of the first segment; 0 for thin volumes.</summary>
    public required int Stripes { get; init; }

    /// <summary>
    /// LVM's <c>lv_health_status</c> when something is wrong (e.g. <c>partial</c>, <c>refresh needed</c>,
    /// <c>mismatches exist</c> for raid; <c>failed</c>, <c>out_of_data</c> for thin pools), else <c>null</c>.
    /// </summary>
    public string? HealthStatus { get; init; }

    /// <summary><c>vg/lv</c>.</summary>
    public string FullName => $"{VolumeGroup}/{Name}";

    /// <summary>Whether this is a thin pool.</summary>
    public bool IsThinPool => SegmentType == "thin-pool";

    /// <summary>Whether this is a thin volume (including thin snapshots).</summary>
    public bool IsThinVolume => SegmentType == "thin";

    /// <summary>Whether this is a snapshot (thick COW or thin).</summary>
    public bool IsSnapshot => Origin is not null && (IsThinVolume || AttributeAt(0) is 's' or 'S');

    /// <summary>Whether COW snapshots depend on this LV (it is their origin; attr character 1 o, or O while merging).</summary>
    public bool IsCowOrigin => AttributeAt(0) is 'o' or 'O';

    /// <summary>Whether the device is open (mounted or held by a process); attr character 6.</summary>
    public bool IsOpen => AttributeAt(5) == 'o';

    /// <summary>
    /// Whether the LV's device-mapper device is suspended (attr character 5: <c>s</c>, or <c>S</c>,
    /// <c>M</c>, <c>C</c> for an invalid snapshot, a failed merge, a pool needing a check): IO to it
    /// blocks until it is resumed. LVM suspends a device only inside a command (lvextend, lvcreate
    /// --snapshot, ...) and resumes it before the command ends, so outside one this is what a
    /// command killed half-way left behind.
    /// </summary>
    public bool IsSuspended => AttributeAt(4) is 's' or 'S' or 'M' or 'C';

    /// <summary>Whether the activation-skip flag is set (thin snapshots by default); attr character 10.</summary>
    public bool ActivationSkip => AttributeAt(9) == 'k';

    private char AttributeAt(int index) => index < Attributes.Length ? Attributes[index] : '-';
}
