namespace Stratum.Config;

/// <summary>
/// The thin pool of a thin device class: which pool, how large Stratum makes it when it is missing
/// (also on a VG it just made from blank disks), how far it may be overcommitted, when it counts as
/// full and whether Stratum grows it. Validated by <see cref="ConfigLoader"/>.
/// </summary>
public sealed record ThinPoolSettings
{
    public const double DefaultOverprovisionRatio = 1.0;
    public const double MaxOverprovisionRatio = 1000.0;
    public const int DefaultDataThresholdPercent = 90;
    public const int DefaultMetadataThresholdPercent = 80;
    public const int DefaultAutogrowPercent = 20;

    /// <summary>The smallest chunk LVM accepts (64 KiB) and the largest (1 GiB); it must be a power of two.</summary>
    public const long MinChunkSizeBytes = 64L << 10;
    public const long MaxChunkSizeBytes = 1L << 30;

    /// <summary>LVM's limits for pool metadata: 2 MiB to 16 GiB.</summary>
    public const long MinMetadataSizeBytes = 2L << 20;
    public const long MaxMetadataSizeBytes = 16L << 30;

    /// <summary>The smallest pool data size the configuration accepts.</summary>
    public const long MinSizeBytes = 8L << 20;

    /// <summary>The pool's LV name in the class's volume group.</summary>
    public required string Pool { get; init; }

    /// <summary>Data size Stratum creates the pool with (and grows it to, for a share of a VG that grew).</summary>
    public required ThinPoolSize Size { get; init; }

    /// <summary>How many times the pool's data size the virtual sizes of its volumes may add up to (at least 1).</summary>
    public double OverprovisionRatio { get; init; } = DefaultOverprovisionRatio;

    /// <summary><c>lvcreate --chunksize</c> in bytes; null leaves LVM's choice (its thin_pool_chunk_size policy).</summary>
    public long? ChunkSizeBytes { get; init; }

    /// <summary><c>lvcreate --poolmetadatasize</c> in bytes; null leaves LVM's estimate for the data size.</summary>
    public long? MetadataSizeBytes { get; init; }

    /// <summary>Data usage (percent) at which the pool counts as full: grown if it may, else no new volumes.</summary>
    public int DataThresholdPercent { get; init; } = DefaultDataThresholdPercent;

    /// <summary>Metadata usage (percent) at which the pool counts as full.</summary>
    public int MetadataThresholdPercent { get; init; } = DefaultMetadataThresholdPercent;

    /// <summary>Whether Stratum grows a pool past a threshold from the VG's free extents (like LVM's autoextend).</summary>
    public bool Autogrow { get; init; } = true;

    /// <summary>Each growth adds this share of the pool's current size (percent).</summary>
    public int AutogrowPercent { get; init; } = DefaultAutogrowPercent;
}

/// <summary>A thin pool's data size: absolute bytes, or a share of its volume group's size.</summary>
public sealed record ThinPoolSize
{
    private ThinPoolSize(long? bytes, int? percent)
    {
        Bytes = bytes;
        PercentOfVolumeGroup = percent;
    }

    /// <summary>The absolute size, or null for a share of the VG.</summary>
    public long? Bytes { get; }

    /// <summary>The share of the VG (1-100), or null for an absolute size.</summary>
    public int? PercentOfVolumeGroup { get; }

    public static ThinPoolSize Absolute(long bytes) =>
        bytes > 0 ? new ThinPoolSize(bytes, null) : throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "a pool size must be positive");

    public static ThinPoolSize Percent(int percent) =>
        percent is >= 1 and <= 100 ? new ThinPoolSize(null, percent) : throw new ArgumentOutOfRangeException(nameof(percent), percent, "a share of the VG is 1-100 percent");

    /// <summary>The data size for a VG of <paramref name="volumeGroupBytes"/> (before any cap for metadata and spare).</summary>
    public long For(long volumeGroupBytes) =>
        Bytes ?? (long)((Int128)volumeGroupBytes * PercentOfVolumeGroup!.Value / 100);

    public override string ToString() => Bytes is { } bytes ? ByteSize.Format(bytes) : $"{PercentOfVolumeGroup}%";
}
