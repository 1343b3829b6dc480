using System.Numerics;

namespace Stratum.Lvm;

/// <summary>
/// The rules LVM applies to names, tags and device paths (lvm2 <c>lib/misc/lvm-string.c</c>),
/// checked before anything reaches a command line. Each rule has a <c>Check…</c> form returning
/// the reason (or <c>null</c> when valid) for config validation, and a <c>Validate…</c> form that
/// throws <see cref="LvmValidationException"/>.
/// </summary>
public static class LvmValidation
{
    /// <summary>LVM's NAME_LEN is 128 including the terminating NUL.</summary>
    public const int MaxNameLength = 127;

    /// <summary>Documented maximum tag length (lvm(8)).</summary>
    public const int MaxTagLength = 1024;

    /// <summary>Longest device path accepted (PATH_MAX minus the NUL).</summary>
    public const int MaxDevicePathLength = 4095;

    /// <summary>Most stripes LVM accepts for one LV (<c>lvcreate --stripes</c>).</summary>
    public const int MaxStripes = 128;

    /// <summary>Most extra raid1 images LVM accepts (<c>lvcreate --mirrors</c>; 64 images in all).</summary>
    public const int MaxMirrors = 63;

    /// <summary>LV sizes go to LVM in bytes and must be whole 512-byte sectors.</summary>
    public const long SectorSize = 512;

    private static readonly string[] ReservedLvPrefixes = ["pvmove", "snapshot"];

    // The union of what lvm2 2.03.x reserves: component-LV suffixes plus _pmspare/_vorigin.
    private static readonly string[] ReservedLvSubstrings =
    [
        "_cdata", "_cmeta", "_corig", "_cpool", "_cvol", "_wcorig", "_imeta", "_iorig",
        "_mimage", "_mlog", "_pmspare", "_rimage", "_rmeta", "_tdata", "_tmeta", "_vdata", "_vorigin",
    ];

    /// <summary>
    /// Whether <paramref name="name"/> is a valid LV name apart from holding one of the strings
    /// LVM reserves for component LVs (<c>pool_tmeta</c>, <c>raid_rimage_0</c>): a name LVM gave
    /// to a sub-LV, never one a user or Stratum could have chosen.
    /// </summary>
    public static bool IsComponentName(string? name) =>
        CheckName(name, "logical volume name") is null
        && ReservedLvSubstrings.Any(reserved => name!.Contains(reserved, StringComparison.Ordinal));

    /// <summary>Why <paramref name="name"/> is not a valid VG name, or <c>null</c> when it is.</summary>
    public static string? CheckVolumeGroupName(string? name) => CheckName(name, "volume group name");

    /// <summary>Why <paramref name="name"/> is not a valid LV name, or <c>null</c> when it is.</summary>
    public static string? CheckLogicalVolumeName(string? name)
    {
        var error = CheckName(name, "logical volume name");
        if (error is not null)
        {
            return error;
        }

        foreach (var prefix in ReservedLvPrefixes)
        {
            if (name!.StartsWith(prefix, StringComparison.Ordinal))
            {
                return $"logical volume name '{name}' starts with the reserved prefix '{prefix}'";
            }
        }

        foreach (var reserved in ReservedLvSubstrings)
        {
            if (name!.Contains(reserved, StringComparison.Ordinal))
            {
                return $"logical volume name '{name}' contains the reserved string '{reserved}'";
            }
        }

        return null;
    }

    /// <summary>
    /// Why <c>vg/lv</c> is too long to create, or <c>null</c>. LVM 2.03.16 refuses to create an LV
    /// whose full name exceeds its name buffer ("LV name ... length N is not supported") even when
    /// both parts are valid alone, so new LVs keep <c>vg/lv</c> within <see cref="MaxNameLength"/>.
    /// </summary>
    public static string? CheckFullNameLength(string volumeGroup, string name) =>
        volumeGroup.Length + 1 + name.Length > MaxNameLength
            ? $"'{volumeGroup}/{name}' is longer than {MaxNameLength} characters"
            : null;

    /// <summary>Why <paramref name="tag"/> is not a valid LVM tag, or <c>null</c> when it is.</summary>
    public static string? CheckTag(string? tag)
    {
        if (string.IsNullOrEmpty(tag))
        {
            return "tag is empty";
        }

        if (tag.Length > MaxTagLength)
        {
            return $"tag is longer than {MaxTagLength} characters";
        }

        if (tag[0] == '-')
        {
            return $"tag '{tag}' starts with '-'";
        }

        foreach (var c in tag)
        {
            if (!IsTagChar(c))
            {
                return $"tag '{Printable(tag)}' contains the character {Describe(c)} (allowed: A-Z a-z 0-9 _ + . - / = ! : & #)";
            }
        }

        return null;
    }

    /// <summary>Why <paramref name="path"/> is not an acceptable device path, or <c>null</c>.</summary>
    public static string? CheckDevicePath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "device path is empty";
        }

        if (path.Length > MaxDevicePathLength)
        {
            return $"device path is longer than {MaxDevicePathLength} characters";
        }

        if (path[0] != '/')
        {
            return $"device path '{Printable(path)}' is not absolute";
        }

        if (path.Length > 1 && path[^1] == '/')
        {
            return $"device path '{Printable(path)}' ends with '/'";
        }

        foreach (var c in path)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c))
            {
                return $"device path '{Printable(path)}' contains the character {Describe(c)}";
            }
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment is "." or "..")
            {
                return $"device path '{path}' contains a '{segment}' segment";
            }
        }

        return null;
    }

    /// <summary>Why <paramref name="bytes"/> is not a usable size, or <c>null</c>.</summary>
    public static string? CheckSize(long bytes) =>
        bytes <= 0 ? $"size must be positive (got {bytes})" : null;

    /// <summary>Whether <paramref name="name"/> is a valid VG name.</summary>
    public static bool IsValidVolumeGroupName(string? name) => CheckVolumeGroupName(name) is null;

    /// <summary>Whether <paramref name="name"/> is a valid LV name.</summary>
    public static bool IsValidLogicalVolumeName(string? name) => CheckLogicalVolumeName(name) is null;

    /// <summary>Whether <paramref name="tag"/> is a valid LVM tag.</summary>
    public static bool IsValidTag(string? tag) => CheckTag(tag) is null;

    /// <summary>Whether <paramref name="path"/> is an acceptable device path.</summary>
    public static bool IsValidDevicePath(string? path) => CheckDevicePath(path) is null;

    /// <summary>Throws unless <paramref name="name"/> is a valid VG name.</summary>
    public static void ValidateVolumeGroupName(string? name, string paramName) => Throw(CheckVolumeGroupName(name), paramName);

    /// <summary>Throws unless <paramref name="name"/> is a valid LV name.</summary>
    public static void ValidateLogicalVolumeName(string? name, string paramName) => Throw(CheckLogicalVolumeName(name), paramName);

    /// <summary>Throws unless <paramref name="tag"/> is a valid LVM tag.</summary>
    public static void ValidateTag(string? tag, string paramName) => Throw(CheckTag(tag), paramName);

    /// <summary>Throws unless every tag is valid.</summary>
    public static void ValidateTags(IEnumerable<string>? tags, string paramName)
    {
        if (tags is null)
        {
            throw new LvmValidationException("tag list is null", paramName);
        }

        foreach (var tag in tags)
        {
            ValidateTag(tag, paramName);
        }
    }

    /// <summary>Throws unless <paramref name="path"/> is an acceptable device path.</summary>
    public static void ValidateDevicePath(string? path, string paramName) => Throw(CheckDevicePath(path), paramName);

    /// <summary>Throws unless <paramref name="bytes"/> is positive.</summary>
    public static void ValidateSize(long bytes, string paramName) => Throw(CheckSize(bytes), paramName);

    /// <summary>Throws unless both names of an existing LV are valid.</summary>
    public static void ValidateLogicalVolume(string? volumeGroup, string? name)
    {
        ValidateVolumeGroupName(volumeGroup, nameof(volumeGroup));
        ValidateLogicalVolumeName(name, nameof(name));
    }

    /// <summary>Throws unless an LV about to be created has valid names that fit LVM's full-name limit.</summary>
    public static void ValidateNewLogicalVolume(string? volumeGroup, string? name, string paramName)
    {
        ValidateVolumeGroupName(volumeGroup, paramName + ".VolumeGroup");
        ValidateLogicalVolumeName(name, paramName + ".Name");
        Throw(CheckFullNameLength(volumeGroup!, name!), paramName + ".Name");
    }

    /// <summary>Throws unless the request's raid1 mirrors or stripes make a layout LVM accepts.</summary>
    public static void ValidateLayout(CreateVolumeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Mirrors is { } mirrors)
        {
            if (mirrors is < 1 or > MaxMirrors)
            {
                throw new LvmValidationException($"mirrors must be between 1 and {MaxMirrors} (got {mirrors})", nameof(request.Mirrors));
            }

            if (request.Stripes is not null || request.StripeSizeBytes is not null)
            {
                throw new LvmValidationException("mirrors and stripes cannot be combined", nameof(request.Mirrors));
            }

            return;
        }

        if (request.Stripes is not { } stripes)
        {
            if (request.StripeSizeBytes is not null)
            {
                throw new LvmValidationException("a stripe size needs a stripe count", nameof(request.StripeSizeBytes));
            }

            return;
        }

        if (stripes is < 1 or > MaxStripes)
        {
            throw new LvmValidationException($"stripes must be between 1 and {MaxStripes} (got {stripes})", nameof(request.Stripes));
        }

        if (request.StripeSizeBytes is { } stripeSize && (stripeSize < 4096 || !IsPowerOfTwo(stripeSize)))
        {
            throw new LvmValidationException($"stripe size must be a power of two of at least 4096 bytes (got {stripeSize})", nameof(request.StripeSizeBytes));
        }
    }

    /// <summary>Throws unless <paramref name="devices"/> is a non-empty list of distinct, acceptable device paths.</summary>
    public static void ValidateDevices(IReadOnlyCollection<string>? devices, string paramName)
    {
        ArgumentNullException.ThrowIfNull(devices, paramName);
        if (devices.Count == 0)
        {
            throw new LvmValidationException("at least one device is required", paramName);
        }

        foreach (var device in devices)
        {
            ValidateDevicePath(device, paramName);
        }

        if (devices.Distinct(StringComparer.Ordinal).Count() != devices.Count)
        {
            throw new LvmValidationException("a device is listed more than once", paramName);
        }
    }

    /// <summary>Whether <paramref name="c"/> may appear in an LVM tag.</summary>
    public static bool IsTagChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '.' or '-' or '/' or '=' or '!' or ':' or '&' or '#';

    /// <summary>Whether <paramref name="c"/> may appear in a VG or LV name.</summary>
    public static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '.' or '-';

    /// <summary>Rounds <paramref name="bytes"/> up to a whole number of 512-byte sectors.</summary>
    public static long RoundUpToSector(long bytes)
    {
        var remainder = bytes % SectorSize;
        return remainder == 0 ? bytes : checked(bytes + (SectorSize - remainder));
    }

    internal static bool IsPowerOfTwo(long value) => value > 0 && BitOperations.IsPow2(value);

    private static string? CheckName(string? name, string what)
    {
        if (string.IsNullOrEmpty(name))
        {
            return $"{what} is empty";
        }

        if (name.Length > MaxNameLength)
        {
            return $"{what} is longer than {MaxNameLength} characters";
        }

        if (name[0] == '-')
        {
            return $"{what} '{name}' starts with '-'";
        }

        if (name is "." or "..")
        {
            return $"{what} must not be '{name}'";
        }

        foreach (var c in name)
        {
            if (!IsNameChar(c))
            {
                return $"{what} '{Printable(name)}' contains the character {Describe(c)} (allowed: A-Z a-z 0-9 _ + . -)";
            }
        }

        return null;
    }

    private static void Throw(string? error, string paramName)
    {
        if (error is not null)
        {
            throw new LvmValidationException(error, paramName);
        }
    }

    private static string Describe(char c) =>
        char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : $"'{c}' (U+{(int)c:X4})";

    private static string Printable(string s)
    {
        var clipped = s.Length > 80 ? s[..80] + "…" : s;
        return string.Concat(clipped.Select(c => char.IsControl(c) ? '?' : c));
    }
}
