using Stratum.Config;

namespace Stratum.Volumes.Filesystems;

/// <summary>Sizes below which the filesystem tools refuse to create a filesystem (measured on Debian 12).</summary>
public static class FileSystemLimits
{
    /// <summary>mkfs.xfs 6.1 refuses anything below 300 MiB.</summary>
    public const long XfsMinimumBytes = 300L << 20;

    /// <summary>mkfs.btrfs 6.2 refused 108 MiB and accepted 112 MiB.</summary>
    public const long BtrfsMinimumBytes = 112L << 20;

    public static long MinimumBytes(FileSystemType type) => type switch
    {
        FileSystemType.Xfs => XfsMinimumBytes,
        FileSystemType.Btrfs => BtrfsMinimumBytes,
        _ => 0,
    };
}
