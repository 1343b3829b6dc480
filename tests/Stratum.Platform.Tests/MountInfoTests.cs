using Stratum.Platform;

namespace Stratum.Platform.Tests;

public sealed class MountInfoTests
{
    private const string Sample = """
        22 1 253:3 / / rw,relatime shared:1 - ext4 /dev/mapper/root rw
        36 22 253:7 / /var/lib/kubelet/plugins/kubernetes.io/csi/lvm.stratum.dev/abc/globalmount rw,noatime shared:20 - xfs /dev/mapper/stratum-pvc--1--a1b2 rw,attr2,inode64
        37 22 253:7 / /var/lib/kubelet/pods/p1/volumes/kubernetes.io~csi/pvc-1/mount ro,relatime shared:20 - xfs /dev/mapper/stratum-pvc--1--a1b2 rw,attr2,inode64
        38 22 0:5 /dm-9 /var/lib/kubelet/pods/p2/volumeDevices/kubernetes.io~csi/pvc-2 rw,nosuid master:2 - devtmpfs udev rw,size=4096k
        39 22 7:1 / /mnt/with\040space\011tab rw shared:30 master:4 propagate_from:5 unbindable - btrfs /dev/loop1 rw,space_cache=v2
        """;

    [Fact]
    public void Parse_Sample_AllFields()
    {
        var mounts = MountInfo.Parse(Sample);

        Assert.Equal(5, mounts.Count);
        var staged = mounts[1];
        Assert.Equal((36, 22, 253u, 7u), (staged.Id, staged.ParentId, staged.DeviceMajor, staged.DeviceMinor));
        Assert.Equal("xfs", staged.FsType);
        Assert.Equal("/dev/mapper/stratum-pvc--1--a1b2", staged.Source);
        Assert.Equal("rw,attr2,inode64", staged.SuperOptions);
        Assert.False(staged.IsReadOnly);
        Assert.True(mounts[2].IsReadOnly);
        Assert.Equal("/dm-9", mounts[3].Root);
    }

    [Fact]
    public void Parse_EscapedMountPointAndManyOptionalFields_Unescaped()
    {
        var entry = MountInfo.Parse(Sample)[4];

        Assert.Equal("/mnt/with space\ttab", entry.MountPoint);
        Assert.Equal("btrfs", entry.FsType);
        Assert.Equal("/dev/loop1", entry.Source);
    }

    [Theory]
    [InlineData(@"a\134b", @"a\b")]
    [InlineData(@"a\012b", "a\nb")]
    [InlineData(@"plain", "plain")]
    [InlineData(@"trailing\", @"trailing\")]
    [InlineData(@"bad\9xx", @"bad\9xx")]
    [InlineData(@"\303\244", "ä")]
    public void Unescape_Field_DecodesOctal(string field, string expected) =>
        Assert.Equal(expected, MountInfo.Unescape(field));

    [Fact]
    public void FindMountPoint_StackedMounts_ReturnsTopmost()
    {
        var mounts = MountInfo.Parse("""
            1 0 8:1 / /m rw - ext4 /dev/a rw
            2 1 8:2 / /m rw - ext4 /dev/b rw
            """);

        Assert.Equal("/dev/b", MountInfo.FindMountPoint(mounts, "/m")!.Source);
        Assert.Null(MountInfo.FindMountPoint(mounts, "/m/sub"));
    }

    [Fact]
    public void Parse_MissingSeparator_Throws() =>
        Assert.Throws<FormatException>(() => MountInfo.Parse("1 0 8:1 / /m rw ext4 /dev/a rw"));

    [Fact]
    public void ReadSelf_ThisProcess_ContainsRoot() =>
        Assert.Contains(MountInfo.ReadSelf(), m => m.MountPoint == "/");
}
