namespace Stratum.Lvm;

/// <summary>How LVM names an LV's device-mapper device: <c>vg-lv</c>, each dash inside a name doubled.</summary>
public static class DeviceMapperNames
{
    /// <summary>The device-mapper name of LV <paramref name="name"/> in VG <paramref name="volumeGroup"/>.</summary>
    public static string Of(string volumeGroup, string name) =>
        $"{volumeGroup.Replace("-", "--", StringComparison.Ordinal)}-{name.Replace("-", "--", StringComparison.Ordinal)}";
}
