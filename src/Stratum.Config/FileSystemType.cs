namespace Stratum.Config;

/// <summary>A filesystem Stratum can create on a volume.</summary>
public enum FileSystemType
{
    Ext4,
    Xfs,
    Btrfs,
}

/// <summary>The lower-case names used in the configuration file and in CSI requests (<c>fsType</c>).</summary>
public static class FileSystemTypes
{
    /// <summary>Every supported filesystem, in the order the documentation lists them.</summary>
    public static IReadOnlyList<FileSystemType> All { get; } = [FileSystemType.Ext4, FileSystemType.Xfs, FileSystemType.Btrfs];

    /// <summary>Their names, for messages and help texts: "ext4, xfs, btrfs".</summary>
    public static string Names { get; } = string.Join(", ", All.Select(ToName));

    public static string ToName(this FileSystemType type) => type switch
    {
        FileSystemType.Ext4 => "ext4",
        FileSystemType.Xfs => "xfs",
        FileSystemType.Btrfs => "btrfs",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown filesystem type"),
    };

    /// <summary>Parses <c>ext4</c>, <c>xfs</c> or <c>btrfs</c> (exact, lower-case, as CSI spells them).</summary>
    public static bool TryParse(string? name, out FileSystemType type) =>
        EnumNames.TryParse(All, ToName, name, out type);
}
