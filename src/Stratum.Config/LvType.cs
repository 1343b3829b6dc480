namespace Stratum.Config;

/// <summary>The segment type of the logical volumes a device class creates (<c>lvcreate --type</c>).</summary>
public enum LvType
{
    /// <summary>Plain concatenated extents; the LVM default.</summary>
    Linear,

    /// <summary>Data striped over <see cref="LvCreateSettings.Stripes"/> physical volumes (RAID 0).</summary>
    Striped,

    /// <summary>MD RAID 1: <see cref="LvCreateSettings.Mirrors"/> extra copies on other physical volumes.</summary>
    Raid1,
}

/// <summary>The lower-case names used in the configuration file and by <c>lvcreate --type</c>.</summary>
public static class LvTypes
{
    public static IReadOnlyList<LvType> All { get; } = [LvType.Linear, LvType.Striped, LvType.Raid1];

    public static string ToName(this LvType type) => type switch
    {
        LvType.Linear => "linear",
        LvType.Striped => "striped",
        LvType.Raid1 => "raid1",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown LV type"),
    };

    public static bool TryParse(string? name, out LvType type) =>
        EnumNames.TryParse(All, ToName, name, out type);
}
