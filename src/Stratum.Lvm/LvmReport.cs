using System.Collections.Immutable;

namespace Stratum.Lvm;

/// <summary>
/// VGs, PVs and LVs read together by one LVM command (<c>lvm fullreport</c>), so they describe one
/// moment: what a capacity snapshot and a volume catalog need, for the price of one process.
/// </summary>
public sealed record LvmReport(
    ImmutableArray<VolumeGroup> VolumeGroups,
    ImmutableArray<PhysicalVolume> PhysicalVolumes,
    ImmutableArray<LogicalVolume> LogicalVolumes)
{
    /// <summary>The PVs of one VG.</summary>
    public ImmutableArray<PhysicalVolume> PhysicalVolumesOf(string volumeGroup) =>
        [.. PhysicalVolumes.Where(pv => pv.VolumeGroup == volumeGroup)];
}
