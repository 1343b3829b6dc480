using Stratum.Config;

namespace Stratum.Volumes.Filesystems;

/// <summary>What a low-level probe (<c>blkid -p</c>) finds on a block device.</summary>
/// <param name="IsBlank">No signature of any kind was found.</param>
/// <param name="Type">The signature's TYPE (e.g. <c>ext4</c>, <c>LVM2_member</c>, <c>dos</c>), if any.</param>
/// <param name="Usage">The signature's USAGE (<c>filesystem</c>, <c>raid</c>, <c>crypto</c>, <c>other</c>), or a partition table.</param>
public sealed record DeviceContents(bool IsBlank, string? Type, string? Usage)
{
    public static DeviceContents Blank { get; } = new(true, null, null);

    /// <summary>True when the device holds exactly the filesystem <paramref name="type"/>.</summary>
    public bool Is(FileSystemType type) => !IsBlank && Usage == "filesystem" && Type == type.ToName();

    public override string ToString() => IsBlank ? "nothing" : $"{Type ?? "unknown"} ({Usage ?? "unknown usage"})";
}
