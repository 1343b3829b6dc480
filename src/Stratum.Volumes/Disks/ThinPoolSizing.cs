using Stratum.Config;
using Stratum.Lvm;

namespace Stratum.Volumes.Disks;

/// <summary>
/// How much pool data a volume group can take. A thin pool also needs metadata (LVM's estimate:
/// 64 bytes per chunk, 2 MiB to 16 GiB) and, once per VG, a metadata spare of the same size, so
/// those are set aside first, with the classes' spare and two extents of slack.
/// </summary>
internal static class ThinPoolSizing
{
    private const long DefaultChunkBytes = 64L << 10;

    public static long RoundDown(long bytes, long extent) => extent <= 0 ? bytes : bytes / extent * extent;

    /// <summary>The largest data size a new pool can get in <paramref name="group"/> now.</summary>
    public static long DataRoom(VolumeGroup group, ThinPoolSettings settings, long spareBytes)
    {
        var usable = group.FreeBytes - spareBytes - (2 * group.ExtentSizeBytes);
        var metadata = RoundUp(settings.MetadataSizeBytes ?? EstimateMetadata(usable, settings.ChunkSizeBytes), group.ExtentSizeBytes);
        return Math.Max(0, RoundDown(usable - (2 * metadata), group.ExtentSizeBytes));
    }

    /// <summary>How much an existing pool's data may grow now.</summary>
    public static long GrowthRoom(VolumeGroup group, long spareBytes) =>
        Math.Max(0, RoundDown(group.FreeBytes - spareBytes - (2 * group.ExtentSizeBytes), group.ExtentSizeBytes));

    /// <summary>Growth smaller than this is not worth an lvextend (one extent, or 1% of the pool).</summary>
    public static long MinGrowth(VolumeGroup group, long currentBytes) => Math.Max(group.ExtentSizeBytes, currentBytes / 100);

    private static long EstimateMetadata(long dataBytes, long? chunkBytes) =>
        Math.Clamp(dataBytes / (chunkBytes ?? DefaultChunkBytes) * 64, ThinPoolSettings.MinMetadataSizeBytes, ThinPoolSettings.MaxMetadataSizeBytes);

    private static long RoundUp(long bytes, long extent) => extent <= 0 ? bytes : (bytes + extent - 1) / extent * extent;
}
