using Stratum.Platform;

namespace Stratum.Platform.Tests;

public sealed class FileStatusTests
{
    [Theory]
    [InlineData("/", FileKind.Directory)]
    [InlineData("/proc/self/status", FileKind.Regular)]
    [InlineData("/dev/null", FileKind.CharacterDevice)]
    [InlineData("/proc/self", FileKind.SymbolicLink)]
    [InlineData("/no/such/path", FileKind.Missing)]
    public void Lstat_Path_Kind(string path, FileKind kind) => Assert.Equal(kind, FileStatus.Lstat(path).Kind);

    [Fact]
    public void StatFollow_Symlink_FollowsTarget() =>
        Assert.Equal(FileKind.Directory, FileStatus.StatFollow("/proc/self").Kind);

    [Fact]
    public void Lstat_DevNull_DeviceNumberOneThree()
    {
        var status = FileStatus.Lstat("/dev/null");
        Assert.Equal((1u, 3u), (status.DeviceMajor, status.DeviceMinor));
    }

    [Fact]
    public void FilesystemStats_Root_Plausible()
    {
        var stats = FilesystemStats.Of("/");
        Assert.True(stats.TotalBytes > 0);
        Assert.InRange(stats.AvailableBytes, 0, stats.TotalBytes);
        Assert.InRange(stats.UsedBytes, 0, stats.TotalBytes);
    }

    [Fact]
    public void FilesystemStats_Missing_FileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => FilesystemStats.Of("/no/such/path"));
}
