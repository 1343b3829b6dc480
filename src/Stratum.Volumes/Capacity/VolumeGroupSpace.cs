using System.Collections.Immutable;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Volumes.Thin;

namespace Stratum.Volumes.Capacity;

/// <summary>
/// The free space of one VG, per PV, and the arithmetic of what a device class can carve from it.
/// Pure: no LVM calls, so GetCapacity is answered from memory.
/// </summary>
public sealed record VolumeGroupSpace(VolumeGroup Group, ImmutableArray<PhysicalVolume> PhysicalVolumes)
{
    /// <summary>The VG's thin pools and thin volumes (Stratum's and others'), whose figures thin capacity is computed from.</summary>
    public ImmutableArray<LogicalVolume> ThinLvs { get; init; } = [];

    /// <summary>The thin pool called <paramref name="name"/>, or null.</summary>
    public LogicalVolume? ThinPool(string name) => ThinLvs.FirstOrDefault(lv => lv.IsThinPool && lv.Name == name);

    /// <summary>The sum of the virtual sizes of the thin volumes in pool <paramref name="pool"/>.</summary>
    public long VirtualBytesIn(string pool) => ThinLvs.Where(lv => lv.IsThinVolume && lv.Pool == pool).Sum(lv => lv.SizeBytes);

    public long ExtentBytes => Group.ExtentSizeBytes;

    public string Name => Group.Name;

    public long SizeBytes => Group.SizeBytes;

    public long FreeBytes => Group.FreeBytes;

    public int PhysicalVolumeCount => Group.PhysicalVolumeCount;

    public int LogicalVolumeCount => Group.LogicalVolumeCount;

    public bool HasTag(string tag) => Group.Tags.Contains(tag);

    /// <summary>Bytes per allocation unit of the class: one extent per stripe.</summary>
    public long AllocationUnit(LvCreateSettings layout) =>
        layout.Type == LvType.Striped ? ExtentBytes * (layout.Stripes ?? 1) : ExtentBytes;

    /// <summary>Rounds a requested size up to what LVM will allocate for the class.</summary>
    public long RoundUp(long bytes, LvCreateSettings layout)
    {
        var unit = AllocationUnit(layout);
        return bytes <= 0 ? unit : checked((bytes + unit - 1) / unit * unit);
    }

    /// <summary>VG bytes a volume of <paramref name="sizeBytes"/> (already rounded) consumes.</summary>
    public long Footprint(long sizeBytes, LvCreateSettings layout) => layout.Type switch
    {
        // Each raid1 image carries one extra extent of raid metadata.
        LvType.Raid1 => checked(((layout.Mirrors ?? 1) + 1) * (sizeBytes + ExtentBytes)),
        _ => sizeBytes,
    };

    /// <summary>VG bytes an existing LV occupies: its size; for raid1 each image plus its metadata extent; nothing for a thin volume (its pool holds the space).</summary>
    public static long Footprint(LogicalVolume lv, long extentBytes) => lv switch
    {
        { IsThinVolume: true } => 0,
        { SegmentType: "raid1" } => checked(Math.Max(lv.Stripes, 2) * (lv.SizeBytes + extentBytes)),
        _ => lv.SizeBytes,
    };

    /// <summary>Capacity of a class on this VG, keeping <paramref name="spareBytes"/> free.</summary>
    public ClassCapacity CapacityFor(DeviceClass deviceClass)
    {
        if (deviceClass.Thin is { } thin)
        {
            return ThinPoolRoom.Of(this, thin, deviceClass.SpareBytes).Capacity;
        }

        var layout = deviceClass.LvCreate;
        var usable = Math.Max(0, Group.FreeBytes - deviceClass.SpareBytes);
        var pvFree = PhysicalVolumes.Select(p => FloorToExtent(p.FreeBytes)).OrderDescending().ToArray();
        long available, largest;
        switch (layout.Type)
        {
            case LvType.Striped:
                var stripes = layout.Stripes ?? 1;
                // A stripe set needs `stripes` distinct PVs, each giving size/stripes.
                var perStripe = pvFree.Length >= stripes ? pvFree[stripes - 1] : 0;
                largest = Math.Min(perStripe * stripes, FloorTo(usable, AllocationUnit(layout)));
                available = FloorTo(usable, AllocationUnit(layout));
                break;
            case LvType.Raid1:
                var copies = (layout.Mirrors ?? 1) + 1;
                var perImage = pvFree.Length >= copies ? Math.Max(0, pvFree[copies - 1] - ExtentBytes) : 0;
                var byUsable = FloorToExtent(Math.Max(0, (usable / copies) - ExtentBytes));
                largest = Math.Min(perImage, byUsable);
                available = byUsable;
                break;
            default:
                available = FloorToExtent(usable);
                largest = available;
                break;
        }

        return new ClassCapacity(Math.Max(0, available), Math.Max(0, largest), VolumeGroupPresent: true);
    }

    private long FloorToExtent(long bytes) => FloorTo(bytes, ExtentBytes);

    private static long FloorTo(long bytes, long unit) => unit <= 0 ? bytes : bytes / unit * unit;
}
