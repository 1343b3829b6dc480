namespace Stratum.Lvm;

/// <summary>
/// A new thick LV: linear by default, striped with <see cref="Stripes"/>, or raid1 with
/// <see cref="Mirrors"/>. Created with <c>--wipesignatures y --zero y</c> so it never shows an
/// old filesystem signature.
/// </summary>
public sealed record CreateVolumeRequest
{
    /// <summary>The VG to carve from.</summary>
    public required string VolumeGroup { get; init; }

    /// <summary>The new LV's name.</summary>
    public required string Name { get; init; }

    /// <summary>Requested size in bytes; rounded up to whole sectors, and by LVM to whole extents.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>Tags set atomically with the creation.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Number of stripes (≥ 2 to stripe); not combinable with <see cref="Mirrors"/>.</summary>
    public int? Stripes { get; init; }

    /// <summary>Stripe size in bytes (a power of two, at least 4 KiB); only with <see cref="Stripes"/>.</summary>
    public long? StripeSizeBytes { get; init; }

    /// <summary>Number of additional raid1 images (<c>--type raid1 --mirrors N</c>).</summary>
    public int? Mirrors { get; init; }

    /// <summary>Extra lvcreate options from device-class config; checked by <see cref="LvmExtraOptions"/>.</summary>
    public IReadOnlyList<string> ExtraOptions { get; init; } = [];
}
