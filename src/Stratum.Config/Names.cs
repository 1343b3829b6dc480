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

    /// <summary>At most this long: a pool's hidden sub-LVs (<c>_tdata</c>, <c>_tmeta</c>) must still fit LVM's limits.</summary>
    public const int MaxThinPoolNameLength = 48;

    private static readonly string[] ReservedLvNameParts =
        ["_cdata", "_cmeta", "_corig", "_cpool", "_cvol", "_imeta", "_iorig", "_mimage", "_mlog", "_pmspare", "_rimage", "_rmeta", "_tdata", "_tmeta", "_vdata", "_vorigin", "_wcorig"];

    /// <summary>
    /// A name LVM accepts for a thin pool: [A-Za-z0-9+_.-], not starting with '-', not '.' or '..',
    /// not starting with 'snapshot' or 'pvmove', none of LVM's reserved sub-LV suffixes, at most
    /// <see cref="MaxThinPoolNameLength"/> characters.
    /// </summary>
    public static bool IsThinPoolName(string? name, out string problem)
    {
        problem = name switch
        {
            null or "" => "must not be empty",
            { Length: > MaxThinPoolNameLength } => $"must be at most {MaxThinPoolNameLength} characters",
            "." or ".." => "must not be '.' or '..'",
            _ when name[0] == '-' => "must not start with '-'",
            _ when !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '_' or '.' or '-') => "may only hold letters, digits, '+', '_', '.' and '-'",
            _ when name.StartsWith("snapshot", StringComparison.Ordinal) || name.StartsWith("pvmove", StringComparison.Ordinal) => "must not start with 'snapshot' or 'pvmove' (LVM reserves them)",
            _ when ReservedLvNameParts.FirstOrDefault(p => name.Contains(p, StringComparison.Ordinal)) is { } part => $"must not contain '{part}' (LVM reserves it for hidden sub-volumes)",
            _ => string.Empty,
        };
        return problem.Length == 0;
    }

    /// <summary>
    /// A node name as Stratum accepts it for <c>--node-id</c> (it is the topology label value):
    /// 1-63 of [A-Za-z0-9-_.], starting and ending with a letter or digit.
    /// </summary>
    public static bool IsNodeName(string? name) => IsLabelValue(name) && name!.Length > 0;

    /// <summary>A Kubernetes label value: empty, or 1-63 of [A-Za-z0-9-_.] starting and ending with a letter or digit.</summary>
    public static bool IsLabelValue(string? value) =>
        value is not null
        && (value.Length == 0
            || (value.Length <= 63
                && char.IsAsciiLetterOrDigit(value[0])
                && char.IsAsciiLetterOrDigit(value[^1])
                && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')));

    /// <summary>
    /// A Kubernetes label key: an optional DNS-subdomain prefix (at most 253 characters) and '/',
    /// then a name of 1-63 [A-Za-z0-9-_.] starting and ending with a letter or digit.
    /// </summary>
    public static bool IsLabelKey(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return false;
        }

        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length is 0 or > 253
                || prefix.Split('.').Any(label => label.Length is 0 or > 63
                    || !IsLowerAlphanumeric(label[0]) || !IsLowerAlphanumeric(label[^1])
                    || !label.All(c => IsLowerAlphanumeric(c) || c == '-')))
            {
                return false;
            }
        }

        return name.Length > 0 && IsLabelValue(name);
    }

    private static bool IsLowerAlphanumeric(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
}
