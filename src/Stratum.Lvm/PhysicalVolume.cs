namespace Stratum.Lvm;

/// <summary>One row of <c>pvs</c>.</summary>
public sealed record PhysicalVolume
{
    /// <summary>Device path, e.g. <c>/dev/vda</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The VG the PV belongs to, or <c>null</c> for an orphan PV.</summary>
    public required string? VolumeGroup { get; init; }

    /// <summary>PV UUID.</summary>
    public required string Uuid { get; init; }

    /// <summary>Usable size in bytes.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>Unallocated bytes.</summary>
    public required long FreeBytes { get; init; }

    /// <summary>LVM's <c>pv_attr</c>, e.g. <c>a--</c>.</summary>
    public required string Attributes { get; init; }

    /// <summary>PV tags.</summary>
    public required TagSet Tags { get; init; }

    /// <summary>Size of the underlying device in bytes.</summary>
    public required long DeviceSizeBytes { get; init; }
}
