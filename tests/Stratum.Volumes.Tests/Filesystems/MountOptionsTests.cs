using Stratum.Volumes.Filesystems;

namespace Stratum.Volumes.Tests.Filesystems;

public sealed class MountOptionsTests
{
    [Theory]
    [InlineData("noatime")]
    [InlineData("nodiratime")]
    [InlineData("ro")]
    [InlineData("rw")]
    [InlineData("nosuid")]
    [InlineData("nodev")]
    [InlineData("noexec")]
    [InlineData("suid")]
    [InlineData("dev")]
    [InlineData("exec")]
    [InlineData("defaults")]
    [InlineData("discard")]
    [InlineData("lazytime")]
    [InlineData("nouuid")]
    [InlineData("user_xattr")]
    [InlineData("_netdev")]
    [InlineData("data=ordered")]
    [InlineData("commit=60")]
    [InlineData("errors=remount-ro")]
    [InlineData("allocsize=64k")]
    [InlineData("compress=zstd:3")]
    [InlineData("subvol=/data")]
    [InlineData("space_cache=v2")]
    [InlineData("context=system_u:object_r:container_file_t:s0")]
    public void Check_OrdinaryOption_IsAccepted(string option)
    {
        Assert.Null(MountOptions.Check(option));
        MountOptions.Validate([option]);
    }

    [Theory]
    // One option per element: a comma would smuggle further options into -o.
    [InlineData("ro,remount", "','")]
    [InlineData("noatime,bind", "','")]
    [InlineData("nosuid,X-mount.mkdir", "','")]
    [InlineData(",", "','")]
    [InlineData("noatime,", "','")]
    // Quotes and backslashes are interpreted by libmount.
    [InlineData("context=\"a,b\"", "quote")]
    [InlineData("context=\"a\"", "quote")]
    [InlineData("subvol='x'", "quote")]
    [InlineData("a\\,bind", "quote or a backslash")]
    // Whitespace, control and non-ASCII characters.
    [InlineData("", "empty")]
    [InlineData(" ", "whitespace")]
    [InlineData("noatime ", "whitespace")]
    [InlineData("no atime", "whitespace")]
    [InlineData("ro\tbind", "whitespace")]
    [InlineData("ro\nbind", "whitespace")]
    [InlineData("ro\rbind", "whitespace")]
    [InlineData("ro\0bind", "control character")]
    [InlineData("ro\u001bbind", "control character")]
    [InlineData("ro\u007f", "control character")]
    [InlineData("noatime\u00a0", "non-ASCII")]
    [InlineData("n\u043eatime", "non-ASCII")]
    [InlineData("ro\u2028bind", "non-ASCII")]
    // Malformed names.
    [InlineData("=ro", "no name")]
    [InlineData("--bind", "must start with")]
    [InlineData("-o", "must start with")]
    [InlineData(".hidden", "must start with")]
    [InlineData("a/b=c", "name contains '/'")]
    [InlineData("a:b", "name contains ':'")]
    // Stratum decides how volumes are mounted.
    [InlineData("remount", "Stratum decides")]
    [InlineData("bind", "Stratum decides")]
    [InlineData("BIND", "Stratum decides")]
    [InlineData("rbind", "Stratum decides")]
    [InlineData("move", "Stratum decides")]
    [InlineData("bind=1", "Stratum decides")]
    // Propagation belongs to kubelet.
    [InlineData("shared", "propagation")]
    [InlineData("rshared", "propagation")]
    [InlineData("slave", "propagation")]
    [InlineData("rslave", "propagation")]
    [InlineData("private", "propagation")]
    [InlineData("rprivate", "propagation")]
    [InlineData("unbindable", "propagation")]
    [InlineData("runbindable", "propagation")]
    // Loop devices.
    [InlineData("loop", "loop device")]
    [InlineData("loop=/dev/loop7", "loop device")]
    [InlineData("offset=4096", "loop device")]
    [InlineData("sizelimit=1", "loop device")]
    [InlineData("encryption=aes", "loop device")]
    // mount(8) helpers and userspace options.
    [InlineData("X-mount.mkdir", "userspace options")]
    [InlineData("X-mount.mkdir=0700", "userspace options")]
    [InlineData("x-mount.mkdir", "userspace options")]
    [InlineData("X-mount.owner=0", "userspace options")]
    [InlineData("X-mount.idmap=u:0:1000:1", "userspace options")]
    [InlineData("X-mount.subdir=etc", "userspace options")]
    [InlineData("x-systemd.automount", "userspace options")]
    [InlineData("helper=udisks2", "userspace options")]
    // fstab permission options.
    [InlineData("user", "fstab permission")]
    [InlineData("users", "fstab permission")]
    [InlineData("owner", "fstab permission")]
    [InlineData("group", "fstab permission")]
    // Options that reach other block devices of the node.
    [InlineData("device=/dev/sda", "another block device")]
    [InlineData("logdev=/dev/sdb1", "another block device")]
    [InlineData("rtdev=/dev/sdb1", "another block device")]
    [InlineData("journal_dev=2049", "another block device")]
    [InlineData("journal_path=/dev/sdb1", "another block device")]
    // One volume must not be able to take the node down.
    [InlineData("errors=panic", "crash the whole node")]
    [InlineData("ERRORS=Panic", "crash the whole node")]
    public void Check_DangerousOrMalformedOption_IsRefusedWithReason(string option, string reasonFragment)
    {
        var reason = MountOptions.Check(option);

        Assert.NotNull(reason);
        Assert.Contains(reasonFragment, reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "noatime", "ro,remount" }, 1)]
    [InlineData(new[] { "bind" }, 0)]
    [InlineData(new[] { "nosuid", "nodev", "X-mount.mkdir" }, 2)]
    public void Validate_InjectionAttempt_ThrowsTypedExceptionNamingTheOption(string[] options, int index)
    {
        var ex = Assert.Throws<InvalidMountOptionException>(() => MountOptions.Validate(options, "mountFlags"));

        Assert.IsAssignableFrom<ArgumentException>(ex);
        Assert.Equal(index, ex.Index);
        Assert.Equal(options[index], ex.Option);
        Assert.Equal("mountFlags", ex.ParamName);
        Assert.Contains($"'{options[index]}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ex.Reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NullElement_Throws()
    {
        var ex = Assert.Throws<InvalidMountOptionException>(() => MountOptions.Validate(["noatime", null!]));

        Assert.Equal(1, ex.Index);
        Assert.Contains("(null)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ControlCharacters_AreEscapedInTheMessage()
    {
        var ex = Assert.Throws<InvalidMountOptionException>(() => MountOptions.Validate(["ro\nbind\u001b[2J"]));

        Assert.Contains("'ro\\u000abind\\u001b[2J'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Check_OverlongOption_IsRefused()
    {
        Assert.NotNull(MountOptions.Check("subvol=/" + new string('a', MountOptions.MaxOptionLength)));
        Assert.Null(MountOptions.Check("subvol=/" + new string('a', MountOptions.MaxOptionLength - 8)));
    }

    [Fact]
    public void Validate_TooManyOptions_Throws()
    {
        var options = Enumerable.Repeat("noatime", MountOptions.MaxOptions + 1).ToArray();

        var ex = Assert.Throws<InvalidMountOptionException>(() => MountOptions.Validate(options));

        Assert.Contains($"at most {MountOptions.MaxOptions}", ex.Message, StringComparison.Ordinal);
        MountOptions.Validate(options[..MountOptions.MaxOptions]);
    }

    [Fact]
    public void Validate_EmptyList_IsAccepted() => MountOptions.Validate([]);

    [Fact]
    public void Validate_NullList_ThrowsArgumentNull() =>
        Assert.Throws<ArgumentNullException>(() => MountOptions.Validate(null!));
}
