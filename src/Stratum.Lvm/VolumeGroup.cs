namespace Stratum.Lvm;

/// <summary>One row of <c>vgs</c>.</summary>
public sealed record VolumeGroup
{
    /// <summary>VG name.</summary>
    public required string Name { get; init; }

    /// <summary>VG UUID.</summary>
    public required string Uuid { get; init; }

    /// <summary>Total size in bytes.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>Unallocated bytes.</summary>
    public required long FreeBytes { get; init; }

    /// <summary>Physical extent size in bytes; LV sizes are rounded up to a multiple of it.</summary>
    public required long ExtentSizeBytes { get; init; }

    /// <summary>Total number of extents.</summary>
    public required long ExtentCount { get; init; }

    /// <summary>Number of unallocated extents.</summary>
    public required long FreeExtentCount { get; init; }

    /// <summary>LVM's <c>vg_attr</c>, e.g. <c>wz--n-</c>.</summary>
    public required string Attributes { get; init; }

    /// <summary>VG tags.</summary>
    public required TagSet Tags { get; init; }

    /// <summary>Number of PVs.</summary>
    public required int PhysicalVolumeCount { get; init; }

    /// <summary>Number of LVs (LVM counts visible LVs only).</summary>
    public required int LogicalVolumeCount { get; init; }
}
