namespace Stratum.Volumes.Filesystems;

/// <summary>The filesystems Stratum formats, mounts and grows.</summary>
public enum FilesystemType
{
    Ext4,
    Xfs,
    Btrfs,
}

public static class FilesystemTypes
{
    /// <summary>The name mount(8), blkid and CSI use: <c>ext4</c>, <c>xfs</c>, <c>btrfs</c>.</summary>
    public static string ToName(this FilesystemType type) => type switch
    {
        FilesystemType.Ext4 => "ext4",
        FilesystemType.Xfs => "xfs",
        FilesystemType.Btrfs => "btrfs",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Parses <c>ext4</c>, <c>xfs</c> or <c>btrfs</c> (case-insensitive).</summary>
    public static bool TryParse(string? name, out FilesystemType type)
    {
        switch (name?.ToLowerInvariant())
        {
            case "ext4":
                type = FilesystemType.Ext4;
                return true;
            case "xfs":
                type = FilesystemType.Xfs;
                return true;
            case "btrfs":
                type = FilesystemType.Btrfs;
                return true;
            default:
                type = default;
                return false;
        }
    }
}
