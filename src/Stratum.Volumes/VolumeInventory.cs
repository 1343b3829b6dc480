using System.Collections.Immutable;
using Stratum.Lvm;
using Stratum.Volumes.Metadata;

namespace Stratum.Volumes;

/// <summary>The logical volumes of the node's volume groups as last read (for <c>stratum status</c>).</summary>
/// <param name="ByVolumeGroup">Every LV of each configured VG that exists (Stratum's, foreign ones and thin pools).</param>
public sealed record InventorySnapshot(DateTimeOffset At, ImmutableDictionary<string, ImmutableArray<InventoryVolume>> ByVolumeGroup)
{
    public static InventorySnapshot Empty { get; } = new(DateTimeOffset.MinValue, ImmutableDictionary<string, ImmutableArray<InventoryVolume>>.Empty);
}

/// <summary>One LV of a configured VG as status shows it (the LVM layer's record stays below the engine).</summary>
/// <param name="Ours">The volume's identity and metadata when Stratum created it and its tags are whole.</param>
/// <param name="Owned">Whether the LV carries Stratum's owner tag (also when the rest of its tags are damaged).</param>
public sealed record InventoryVolume(
    string VolumeGroup, string Name, long SizeBytes, string SegmentType, bool IsActive, string? HealthStatus,
    bool IsThinPool, double? DataPercent, double? MetadataPercent, bool Owned, ManagedVolume? Ours)
{
    public static InventoryVolume From(LogicalVolume lv)
    {
        ArgumentNullException.ThrowIfNull(lv);
        return new(lv.VolumeGroup, lv.Name, lv.SizeBytes, lv.SegmentType, lv.IsActive, lv.HealthStatus,
            lv.IsThinPool, lv.DataPercent, lv.MetadataPercent, VolumeMetadata.IsOwned(lv), ManagedVolume.From(lv));
    }
}

/// <summary>
/// Keeps an immutable snapshot of the LVs of the configured volume groups, taken from the capacity
/// cache's whole-node report (<see cref="Capacity.CapacityCache.NodeReportRead"/>), so neither
/// status queries nor the inventory itself run an LVM command.
/// </summary>
public sealed class VolumeInventory
{
    private InventorySnapshot _current = InventorySnapshot.Empty;

    public InventorySnapshot Current => Volatile.Read(ref _current);

    /// <summary>Takes the LVs of <paramref name="volumeGroups"/> from a report of every VG; a VG absent from it is left out.</summary>
    public void Take(LvmReport report, IEnumerable<string> volumeGroups)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(volumeGroups);
        var present = report.VolumeGroups.Select(g => g.Name).ToHashSet(StringComparer.Ordinal);
        var byGroup = report.LogicalVolumes.ToLookup(lv => lv.VolumeGroup, StringComparer.Ordinal);
        var taken = ImmutableDictionary.CreateBuilder<string, ImmutableArray<InventoryVolume>>(StringComparer.Ordinal);
        foreach (var group in volumeGroups.Where(present.Contains))
        {
            taken[group] = [.. byGroup[group].Select(InventoryVolume.From)];
        }

        Volatile.Write(ref _current, new InventorySnapshot(DateTimeOffset.UtcNow, taken.ToImmutable()));
    }
}
