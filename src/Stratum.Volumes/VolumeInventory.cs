using System.Collections.Immutable;
using Stratum.Lvm;

namespace Stratum.Volumes;

/// <summary>The logical volumes of the node's volume groups as last read (for <c>stratum status</c>).</summary>
/// <param name="ByVolumeGroup">Every LV of each configured VG that exists (Stratum's, foreign ones and thin pools).</param>
public sealed record InventorySnapshot(DateTimeOffset At, ImmutableDictionary<string, ImmutableArray<LogicalVolume>> ByVolumeGroup)
{
    public static InventorySnapshot Empty { get; } = new(DateTimeOffset.MinValue, ImmutableDictionary<string, ImmutableArray<LogicalVolume>>.Empty);
}

/// <summary>
/// Keeps an immutable snapshot of the LVs of the configured volume groups (one <c>lvs</c> per VG),
/// refreshed in the background, so status queries read memory and never run LVM commands.
/// </summary>
public sealed class VolumeInventory(ILvm lvm)
{
    private InventorySnapshot _current = InventorySnapshot.Empty;

    public InventorySnapshot Current => Volatile.Read(ref _current);

    public async Task RefreshAsync(IReadOnlyList<string> volumeGroups, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volumeGroups);
        var byGroup = ImmutableDictionary.CreateBuilder<string, ImmutableArray<LogicalVolume>>(StringComparer.Ordinal);
        foreach (var group in volumeGroups)
        {
            try
            {
                byGroup[group] = await lvm.ListLogicalVolumesAsync(group, cancellationToken).ConfigureAwait(false);
            }
            catch (LvmNotFoundException)
            {
                // Absent VGs are reported from the capacity snapshot and recovery.
            }
        }

        Volatile.Write(ref _current, new InventorySnapshot(DateTimeOffset.UtcNow, byGroup.ToImmutable()));
    }
}
