using Stratum.Volumes.Filesystems;
using Stratum.Platform;

namespace Stratum.Volumes.Tests.Filesystems.TestSupport;

/// <summary>
/// The host as <see cref="LinuxFilesystemOps"/> sees it, for unit tests: anything under
/// <c>/dev/</c> is a block device, <c>/missing...</c> does not exist, everything else is a directory;
/// the mount table is whatever the test sets.
/// </summary>
internal sealed class FakeHost
{
    public List<MountEntry> Mounts { get; } = [];

    public Dictionary<string, FileStatus> Overrides { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, reading the mount table throws this.</summary>
    public Exception? MountTableFailure { get; set; }

    public FilesystemHost ToHost() => new(Stat, ReadMounts, path => path);

    public static MountEntry Mount(string mountPoint, string options, string source = "/dev/loop9") =>
        new(Id: 100, ParentId: 1, DeviceMajor: 7, DeviceMinor: 9, Root: "/", MountPoint: mountPoint, Options: options,
            FsType: "ext4", Source: source, SuperOptions: "rw");

    private List<MountEntry> ReadMounts() => MountTableFailure is { } failure ? throw failure : [.. Mounts];

    private FileStatus Stat(string path)
    {
        if (Overrides.TryGetValue(path, out var status))
        {
            return status;
        }

        if (path.StartsWith("/missing", StringComparison.Ordinal))
        {
            return new FileStatus(FileKind.Missing, 0, 0);
        }

        return path.StartsWith("/dev/", StringComparison.Ordinal)
            ? new FileStatus(FileKind.BlockDevice, 253, 4)
            : new FileStatus(FileKind.Directory, 0, 0);
    }
}
