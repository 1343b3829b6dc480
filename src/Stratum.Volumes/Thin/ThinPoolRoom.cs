using Stratum.Config;
using Stratum.Lvm;
using Stratum.Volumes.Capacity;
using Stratum.Volumes.Disks;

namespace Stratum.Volumes.Thin;

/// <summary>
/// What a thin pool can still take, from the figures in memory (pure: no LVM command). Two limits:
/// the <b>virtual</b> one (pool data × overprovision ratio − the virtual sizes of the pool's thin
/// volumes) and the <b>physical</b> one (data the pool can still write before its data threshold,
/// plus what it may grow by from the VG's free extents when autogrow is on). A class's capacity
/// is the smaller of the two. A pool that does not exist yet counts with the size Stratum would
/// create it with.
/// </summary>
public sealed record ThinPoolRoom
{
    /// <summary>The pool's LV as last reported, or null when it does not exist yet.</summary>
    public required LogicalVolume? Pool { get; init; }

    /// <summary>The pool's data size (or the size it would be created with).</summary>
    public required long DataBytes { get; init; }

    /// <summary>Data bytes written (pool data % × size).</summary>
    public required long UsedBytes { get; init; }

    /// <summary>The sum of the virtual sizes of the pool's thin volumes.</summary>
    public required long VirtualBytes { get; init; }

    /// <summary>The most the virtual sizes may add up to (data × ratio).</summary>
    public required long VirtualLimitBytes { get; init; }

    /// <summary>How much the pool may still grow by from the VG (0 without autogrow).</summary>
    public required long GrowthRoomBytes { get; init; }

    /// <summary>The settings the figures were computed with.</summary>
    public required ThinPoolSettings Settings { get; init; }

    /// <summary>Data usage in percent.</summary>
    public double DataPercent => Pool?.DataPercent ?? 0;

    /// <summary>Metadata usage in percent.</summary>
    public double MetadataPercent => Pool?.MetadataPercent ?? 0;

    /// <summary>Whether data usage is at or past the class's threshold.</summary>
    public bool DataFull => DataPercent >= Settings.DataThresholdPercent;

    /// <summary>Whether metadata usage is at or past the class's threshold.</summary>
    public bool MetadataFull => MetadataPercent >= Settings.MetadataThresholdPercent;

    /// <summary>What the class can still give, as GetCapacity reports it.</summary>
    public ClassCapacity Capacity { get; init; } = ClassCapacity.None;

    /// <summary>The figures for <paramref name="settings"/>'s pool in <paramref name="space"/>.</summary>
    public static ThinPoolRoom Of(VolumeGroupSpace space, ThinPoolSettings settings, long spareBytes)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(settings);
        var group = space.Group;
        var pool = space.ThinPool(settings.Pool);
        long data, used, growth;
        if (pool is null)
        {
            data = InitialSize(group, settings, spareBytes, out _) ?? 0;
            used = 0;
            growth = 0;
        }
        else
        {
            data = pool.SizeBytes;
            used = (long)(data * (pool.DataPercent ?? 0) / 100);
            growth = settings.Autogrow ? ThinPoolSizing.GrowthRoom(group, spareBytes) : 0;
        }

        var virtualLimit = (long)Math.Min(long.MaxValue / 2, data * settings.OverprovisionRatio);
        var virtualBytes = space.VirtualBytesIn(settings.Pool);
        var room = new ThinPoolRoom
        {
            Pool = pool,
            DataBytes = data,
            UsedBytes = used,
            VirtualBytes = virtualBytes,
            VirtualLimitBytes = virtualLimit,
            GrowthRoomBytes = growth,
            Settings = settings,
        };
        var byVirtual = virtualLimit - virtualBytes;
        var byPhysical = (data * settings.DataThresholdPercent / 100) - used + growth;
        var available = ThinPoolSizing.RoundDown(Math.Max(0, Math.Min(byVirtual, byPhysical)), group.ExtentSizeBytes);
        if (data == 0 || (room.MetadataFull && growth == 0))
        {
            available = 0;
        }

        return room with { Capacity = new ClassCapacity(available, available, VolumeGroupPresent: true) };
    }

    /// <summary>
    /// The data size a missing pool is created with in <paramref name="group"/>: the configured size
    /// (a share of the VG is capped at what fits); null, with the reason, when it does not fit now.
    /// </summary>
    public static long? InitialSize(VolumeGroup group, ThinPoolSettings settings, long spareBytes, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(settings);
        var wanted = ThinPoolSizing.RoundDown(settings.Size.For(group.SizeBytes), group.ExtentSizeBytes);
        var room = ThinPoolSizing.DataRoom(group, settings, spareBytes);
        var size = settings.Size.Bytes is null ? Math.Min(wanted, room) : wanted;
        if (size > room || size < ThinPoolSettings.MinSizeBytes)
        {
            reason = $"volume group '{group.Name}' has room for {room} bytes of pool data (after metadata and {spareBytes} bytes spare); the pool needs {Math.Max(size, ThinPoolSettings.MinSizeBytes)}";
            return null;
        }

        reason = null;
        return size;
    }

    /// <summary>The lvcreate request for a new pool: chunk and metadata sizes when configured, else LVM's defaults.</summary>
    public static CreateThinPoolRequest CreateRequest(string volumeGroup, ThinPoolSettings settings, long sizeBytes, IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(settings);
        List<string> extra = [];
        if (settings.ChunkSizeBytes is { } chunk)
        {
            extra.AddRange(["--chunksize", Bytes(chunk)]);
        }

        if (settings.MetadataSizeBytes is { } metadata)
        {
            extra.AddRange(["--poolmetadatasize", Bytes(metadata)]);
        }

        return new CreateThinPoolRequest { VolumeGroup = volumeGroup, Name = settings.Pool, SizeBytes = sizeBytes, Tags = tags, ExtraOptions = extra };
    }

    /// <summary>The size an autogrow step grows the pool to: by the configured share, at least the minimum step, at most what the VG has.</summary>
    public long AutogrowTarget(long extentBytes)
    {
        var step = Math.Max(DataBytes * Settings.AutogrowPercent / 100, Math.Max(extentBytes, DataBytes / 100));
        return DataBytes + ThinPoolSizing.RoundDown(Math.Min(step, GrowthRoomBytes), extentBytes);
    }

    private static string Bytes(long bytes) => bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) + "b";
}
