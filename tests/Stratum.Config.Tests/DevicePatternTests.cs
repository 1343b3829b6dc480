namespace Stratum.Config.Tests;

public sealed class DevicePatternTests
{
    [Theory]
    [InlineData("/dev/vd[a-c]", "/dev/vda", true)]
    [InlineData("/dev/vd[a-c]", "/dev/vdc", true)]
    [InlineData("/dev/vd[a-c]", "/dev/vdd", false)]
    [InlineData("/dev/vd[a-c]", "/dev/vda1", false)]
    [InlineData("/dev/vd[!a]", "/dev/vdb", true)]
    [InlineData("/dev/vd[!a]", "/dev/vda", false)]
    [InlineData("/dev/vd[^ab]", "/dev/vdb", false)]
    [InlineData("/dev/sd[b-df]", "/dev/sdf", true)]
    [InlineData("/dev/sd[b-df]", "/dev/sde", false)]
    [InlineData("/dev/nvme[0-9]n1", "/dev/nvme3n1", true)]
    [InlineData("/dev/nvme[0-9]n1", "/dev/nvme3n1p1", false)]
    [InlineData("/dev/disk/by-id/virtio-*", "/dev/disk/by-id/virtio-data1", true)]
    [InlineData("/dev/disk/by-id/virtio-*", "/dev/disk/by-id/virtio-", true)]
    [InlineData("/dev/disk/by-id/virtio-*", "/dev/disk/by-id/scsi-x", false)]
    [InlineData("/dev/disk/by-id/virtio-*", "/dev/disk/by-path/virtio-x", false)]
    [InlineData("/dev/disk/by-id/virtio-*", "/dev/virtio-x", false)]
    [InlineData("/dev/mapper/data*-?", "/dev/mapper/data12-x", true)]
    [InlineData("/dev/mapper/data*-?", "/dev/mapper/data12-xy", false)]
    [InlineData("/dev/vdb", "/dev/vdb", true)]
    [InlineData("/dev/vdb", "/dev/vdbb", false)]
    [InlineData("/dev/[]x]y", "/dev/]y", true)]
    public void Matches_PathAgainstPattern(string pattern, string path, bool expected)
    {
        Assert.True(DevicePattern.TryParse(pattern, out var parsed, out var error), error);

        Assert.Equal(expected, parsed.Matches(path));
    }

    [Theory]
    [InlineData("/dev/vd[a-c]", "/dev", "vd[a-c]", true)]
    [InlineData("/dev/disk/by-id/nvme-x", "/dev/disk/by-id", "nvme-x", false)]
    public void TryParse_Valid_SplitsDirectoryAndName(string pattern, string directory, string name, bool wildcard)
    {
        Assert.True(DevicePattern.TryParse(pattern, out var parsed, out _));

        Assert.Equal((directory, name, wildcard, pattern), (parsed.Directory, parsed.Name, parsed.HasWildcard, parsed.ToString()));
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("vdb", "must be an absolute path")]
    [InlineData("/", "names a root directory")]
    [InlineData("/dev", "names a root directory")]
    [InlineData("/etc/vdb", "must be under /dev/")]
    [InlineData("/dev//vdb", "must be a plain path")]
    [InlineData("/dev/vdb/", "must be a plain path")]
    [InlineData("/dev/./vdb", "must be a plain path")]
    [InlineData("/dev/*/x", "wildcards are allowed only in the last component")]
    [InlineData("/dev/*", "matches every entry of /dev")]
    [InlineData("/dev/?*", "matches every entry of /dev")]
    [InlineData("/dev/[a-z]*", "matches every entry of /dev")]
    [InlineData("/dev/vd[", "is not closed")]
    [InlineData("/dev/vd]", "has no '['")]
    [InlineData("/dev/vd b", "whitespace")]
    public void TryParse_Invalid_NamesTheRule(string pattern, string rule)
    {
        Assert.False(DevicePattern.TryParse(pattern, out var parsed, out var error));

        Assert.Null(parsed);
        Assert.Contains(rule, error, StringComparison.Ordinal);
    }

    [Fact]
    public void DevicePatterns_Equality_ByPatterns()
    {
        static DevicePatterns Of(params string[] texts) =>
            new(texts.Select(t => DevicePattern.TryParse(t, out var p, out _) ? p : throw new InvalidOperationException(t)));

        Assert.Equal(Of("/dev/vdb", "/dev/vdc"), Of("/dev/vdb", "/dev/vdc"));
        Assert.NotEqual(Of("/dev/vdb", "/dev/vdc"), Of("/dev/vdc", "/dev/vdb"));
        Assert.True(Of("/dev/vd[b-c]").Matches("/dev/vdc"));
    }
}
