namespace Stratum.Config;

/// <summary>Syntax of the names a configuration carries.</summary>
public static class Names
{
    public const int MaxDeviceClassNameLength = 63;

    /// <summary>
    /// Stratum's own limit (LVM allows 127): the volume group name is embedded in volume ids, which
    /// CSI limits to 128 bytes together with the LV name and UUID.
    /// </summary>
    public const int MaxVolumeGroupNameLength = 40;

    /// <summary>1-63 of [a-z0-9], with '-' or '.' allowed inside (a DNS-label-like name that also fits LVM tags).</summary>
    public static bool IsDeviceClassName(string? name) =>
        name is { Length: > 0 and <= MaxDeviceClassNameLength }
        && IsLowerAlphanumeric(name[0])
        && IsLowerAlphanumeric(name[^1])
        && name.All(c => IsLowerAlphanumeric(c) || c is '-' or '.');

    /// <summary>
    /// An LVM volume group name: [A-Za-z0-9+_.-], not starting with '-', not '.' or '..', and at most
    /// <see cref="MaxVolumeGroupNameLength"/> characters.
    /// </summary>
    public static bool IsVolumeGroupName(string? name) =>
        name is { Length: > 0 and <= MaxVolumeGroupNameLength }
        && name[0] != '-'
        && name is not ("." or "..")
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '_' or '.' or '-');

    private static bool IsLowerAlphanumeric(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
}
