using Stratum.Config;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Platform.Exec;
using Stratum.Volumes.Filesystems;
using Stratum.Platform;
using Stratum.Volumes.Tests.Filesystems.TestSupport;

namespace Stratum.Volumes.Tests.Filesystems;

/// <summary>Exact argv and error mapping of every operation, against a fake runner and a fake host.</summary>
public sealed class LinuxFilesystemOpsTests
{
    private const string Device = "/dev/stratum/v1";
    private const string Target = "/var/lib/kubelet/pods/p/volumes/v/mount";
    private const string Staging = "/var/lib/kubelet/plugins/stratum/v1/stage";

    private static readonly LinuxFilesystemOpsOptions Options = new()
    {
        CommandTimeout = TimeSpan.FromSeconds(30),
        FormatTimeout = TimeSpan.FromMinutes(7),
        GrowTimeout = TimeSpan.FromMinutes(8),
    };

    private readonly FakeCommandRunner _runner = new();
    private readonly FakeHost _host = new();

    private LinuxFilesystemOps Ops() => new(_runner, Options, NullLogger<LinuxFilesystemOps>.Instance, _host.ToHost());

    // ---------------------------------------------------------------- probe

    public static TheoryData<int, string, string, DeviceContents> ProbeAnswers => new()
    {
        {
            0,
            "DEVNAME=/dev/stratum/v1\nUUID=f1b2e151-0ff1-4ce8-bec4-2a40c74be55b\nVERSION=1.0\nBLOCK_SIZE=4096\nTYPE=ext4\nUSAGE=filesystem\n",
            "",
            new DeviceContents(false, "ext4", "filesystem")
        },
        { 0, "DEVNAME=/dev/stratum/v1\nUUID=c42c\nTYPE=xfs\nUSAGE=filesystem\n", "", new DeviceContents(false, "xfs", "filesystem") },
        { 0, "DEVNAME=/dev/stratum/v1\nUUID=x\nTYPE=LVM2_member\nUSAGE=raid\n", "", new DeviceContents(false, "LVM2_member", "raid") },
        { 0, "DEVNAME=/dev/stratum/v1\nVERSION=2\nTYPE=crypto_LUKS\nUSAGE=crypto\n", "", new DeviceContents(false, "crypto_LUKS", "crypto") },
        { 0, "DEVNAME=/dev/stratum/v1\nTYPE=swap\n", "", new DeviceContents(false, "swap", null) },
        { 0, "DEVNAME=/dev/stratum/v1\nPTUUID=12345678\nPTTYPE=dos\n", "", new DeviceContents(false, "dos", "partition table") },
        { 0, "DEVNAME=/dev/stratum/v1\nPTUUID=0f3c\nPTTYPE=gpt\n", "", new DeviceContents(false, "gpt", "partition table") },
        { 0, "DEVNAME=/dev/stratum/v1\nLABEL=my\\ disk\\\"s\nTYPE=ext4\nUSAGE=filesystem\n", "", new DeviceContents(false, "ext4", "filesystem") },
        // A partition with nothing on it: the PART_ENTRY_* keys describe the device, not its contents.
        { 0, "DEVNAME=/dev/sda1\nPART_ENTRY_SCHEME=dos\nPART_ENTRY_TYPE=0x83\nPART_ENTRY_NUMBER=1\n", "", DeviceContents.Blank },
        { 2, "", "", DeviceContents.Blank },
        { 2, "\n", "", DeviceContents.Blank },
        {
            8,
            "",
            "blkid: /dev/stratum/v1: ambivalent result (probably more filesystems on the device, use wipefs(8) to see more details)\n",
            new DeviceContents(false, null, "ambivalent")
        },
    };

    [Theory]
    [MemberData(nameof(ProbeAnswers))]
    public async Task ProbeAsync_BlkidAnswer_MapsToContents(int exitCode, string stdout, string stderr, DeviceContents expected)
    {
        _runner.Returns(exitCode, stdout, stderr);

        var contents = await Ops().ProbeAsync(Device, CancellationToken.None);

        Assert.Equal(expected, contents);
        Assert.Equal(["blkid", "-p", "-o", "export", Device], Assert.Single(_runner.Argvs));
        Assert.Equal(Options.CommandTimeout, _runner.Calls[0].Timeout);
    }

    [Theory]
    [InlineData(2, "", "blkid: error: /dev/stratum/v1: No medium found\n")]
    [InlineData(2, "DEVNAME=/dev/stratum/v1\n", "")]
    [InlineData(4, "", "blkid: bad usage\n")]
    [InlineData(1, "", "")]
    [InlineData(139, "", "")]
    public async Task ProbeAsync_OtherOutcome_ThrowsWithExitCodeAndStderr(int exitCode, string stdout, string stderr)
    {
        _runner.Returns(exitCode, stdout, stderr);

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(() => Ops().ProbeAsync(Device, CancellationToken.None));

        Assert.Equal(exitCode, ex.ExitCode);
        Assert.Equal(stderr, ex.StandardError);
        Assert.Equal(["blkid", "-p", "-o", "export", Device], ex.Command);
        Assert.Contains($"exited with {exitCode}", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Device, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_MissingDevice_ThrowsFileNotFoundWithoutRunningBlkid()
    {
        // blkid -p exits 2 with no output for a path that does not exist, exactly as for a blank device.
        var ex = await Assert.ThrowsAsync<FileNotFoundException>(() => Ops().ProbeAsync("/missing/dev", CancellationToken.None));

        Assert.Equal("/missing/dev", ex.FileName);
        Assert.Empty(_runner.Calls);
    }

    [Theory]
    [InlineData(FileKind.Directory)]
    [InlineData(FileKind.Regular)]
    [InlineData(FileKind.CharacterDevice)]
    public async Task ProbeAsync_NotABlockDevice_ThrowsArgumentWithoutRunningBlkid(FileKind kind)
    {
        _host.Overrides[Device] = new FileStatus(kind, 0, 0);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Ops().ProbeAsync(Device, CancellationToken.None));

        Assert.Equal("device", ex.ParamName);
        Assert.Contains("not a block device", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_runner.Calls);
    }

    [Theory]
    [InlineData("dev/sda")]
    [InlineData("-o")]
    [InlineData("--help")]
    [InlineData("")]
    [InlineData(" ")]
    public async Task ProbeAsync_NotAnAbsolutePath_ThrowsArgument(string device)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Ops().ProbeAsync(device, CancellationToken.None));

        Assert.Empty(_runner.Calls);
    }

    // ---------------------------------------------------------------- format

    [Theory]
    [InlineData(FileSystemType.Ext4, new[] { "mkfs.ext4", "-q", "-b", "4096", "-m", "0", "-E", "lazy_itable_init=1", Device })]
    [InlineData(FileSystemType.Xfs, new[] { "mkfs.xfs", "-q", Device })]
    [InlineData(FileSystemType.Btrfs, new[] { "mkfs.btrfs", "-q", Device })]
    public async Task FormatAsync_Type_RunsMkfsWithoutForceAndWithFormatTimeout(FileSystemType type, string[] argv)
    {
        _runner.Succeeds();

        await Ops().FormatAsync(Device, type, CancellationToken.None);

        Assert.Equal(argv, Assert.Single(_runner.Argvs));
        Assert.Equal(Options.FormatTimeout, _runner.Calls[0].Timeout);
        Assert.DoesNotContain("-f", argv);
        Assert.DoesNotContain("-F", argv);
    }

    [Fact]
    public async Task FormatAsync_MkfsFails_ThrowsWithStderr()
    {
        _runner.Returns(1, stderr: "mkfs.xfs: /dev/stratum/v1 appears to contain an existing filesystem (ext4).\nmkfs.xfs: Use the -f option to force overwrite.\n");

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(() => Ops().FormatAsync(Device, FileSystemType.Xfs, CancellationToken.None));

        Assert.Equal(1, ex.ExitCode);
        Assert.Equal(["mkfs.xfs", "-q", Device], ex.Command);
        Assert.Contains("appears to contain an existing filesystem (ext4)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("appears to contain an existing filesystem", ex.StandardError, StringComparison.Ordinal);
        Assert.False(ex.IsToolMissing);
    }

    [Theory]
    [InlineData(FileSystemType.Ext4, "mkfs.ext4", "e2fsprogs")]
    [InlineData(FileSystemType.Xfs, "mkfs.xfs", "xfsprogs")]
    [InlineData(FileSystemType.Btrfs, "mkfs.btrfs", "btrfs-progs")]
    public async Task FormatAsync_MkfsMissing_ThrowsNamingThePackage(FileSystemType type, string tool, string package)
    {
        var notFound = new CommandNotFoundException(tool, [Device], null);
        _runner.Throws(notFound);

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(() => Ops().FormatAsync(Device, type, CancellationToken.None));

        Assert.True(ex.IsToolMissing);
        Assert.Same(notFound, ex.InnerException);
        Assert.Null(ex.ExitCode);
        Assert.Contains($"{tool} is not installed", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"install {package}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FormatAsync_Timeout_ThrowsMarkedAsTimeout()
    {
        _runner.Throws(new CommandTimeoutException("mkfs.ext4", [Device], TimeSpan.FromMinutes(7), "", "Discarding device blocks"));

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(() => Ops().FormatAsync(Device, FileSystemType.Ext4, CancellationToken.None));

        Assert.True(ex.IsTimeout);
        Assert.Equal("Discarding device blocks", ex.StandardError);
        Assert.Contains("420 s", ex.Message, StringComparison.Ordinal);
        Assert.Contains("effect is unknown", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FormatAsync_CannotStart_ThrowsFilesystemCommandException()
    {
        _runner.Throws(new CommandStartException("mkfs.btrfs", [Device], new System.ComponentModel.Win32Exception(13)));

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(() => Ops().FormatAsync(Device, FileSystemType.Btrfs, CancellationToken.None));

        Assert.IsType<CommandStartException>(ex.InnerException);
        Assert.False(ex.IsToolMissing);
    }

    [Fact]
    public async Task FormatAsync_Cancelled_PropagatesCancellation()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Ops().FormatAsync(Device, FileSystemType.Ext4, cts.Token));
    }

    [Fact]
    public async Task FormatAsync_MissingDevice_ThrowsFileNotFoundWithoutRunningMkfs()
    {
        await Assert.ThrowsAsync<FileNotFoundException>(() => Ops().FormatAsync("/missing/lv", FileSystemType.Xfs, CancellationToken.None));

        Assert.Empty(_runner.Calls);
    }

    // ---------------------------------------------------------------- mount

    [Theory]
    [InlineData(FileSystemType.Ext4, new string[0], new[] { "mount", "-t", "ext4", Device, Staging })]
    [InlineData(FileSystemType.Xfs, new[] { "nouuid" }, new[] { "mount", "-t", "xfs", "-o", "nouuid", Device, Staging })]
    [InlineData(FileSystemType.Btrfs, new[] { "noatime", "compress=zstd:3", "ro" }, new[] { "mount", "-t", "btrfs", "-o", "noatime,compress=zstd:3,ro", Device, Staging })]
    public async Task MountAsync_Options_RunsExactArgv(FileSystemType type, string[] options, string[] argv)
    {
        _runner.Succeeds();

        await Ops().MountAsync(Device, Staging, type, options, CancellationToken.None);

        Assert.Equal(argv, Assert.Single(_runner.Argvs));
        Assert.Equal(Options.CommandTimeout, _runner.Calls[0].Timeout);
    }

    [Theory]
    [InlineData("ro,remount")]
    [InlineData("bind")]
    [InlineData("X-mount.mkdir")]
    [InlineData("noatime ro")]
    public async Task MountAsync_RefusedOption_ThrowsBeforeRunningMount(string option)
    {
        var ex = await Assert.ThrowsAsync<InvalidMountOptionException>(
            () => Ops().MountAsync(Device, Staging, FileSystemType.Ext4, ["noatime", option], CancellationToken.None));

        Assert.Equal(1, ex.Index);
        Assert.Equal("options", ex.ParamName);
        Assert.Empty(_runner.Calls);
    }

    [Fact]
    public async Task MountAsync_MountFails_ThrowsWithExitCode()
    {
        _runner.Returns(32, stderr: "mount: /stage: wrong fs type, bad option, bad superblock on /dev/stratum/v1, missing codepage or helper program, or other error.\n");

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(
            () => Ops().MountAsync(Device, Staging, FileSystemType.Xfs, [], CancellationToken.None));

        Assert.Equal(32, ex.ExitCode);
        Assert.Contains("wrong fs type", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MountAsync_RegularFileAsDevice_IsRefused()
    {
        // mount(8) would quietly set up a loop device for a regular file.
        _host.Overrides["/dev/image.img"] = new FileStatus(FileKind.Regular, 0, 0);

        await Assert.ThrowsAsync<ArgumentException>(
            () => Ops().MountAsync("/dev/image.img", Staging, FileSystemType.Ext4, [], CancellationToken.None));

        Assert.Empty(_runner.Calls);
    }

    [Fact]
    public async Task MountAsync_RelativeTarget_ThrowsArgument()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(
            () => Ops().MountAsync(Device, "mnt", FileSystemType.Ext4, [], CancellationToken.None));

        Assert.Equal("target", ex.ParamName);
        Assert.Empty(_runner.Calls);
    }

    // ---------------------------------------------------------------- bind mount

    [Fact]
    public async Task BindMountAsync_ReadWriteWithoutOptions_BindsOnly()
    {
        _runner.Succeeds();

        await Ops().BindMountAsync(Staging, Target, readOnly: false, [], CancellationToken.None);

        Assert.Equal(["mount", "--bind", Staging, Target], Assert.Single(_runner.Argvs));
    }

    [Theory]
    [InlineData(true, new string[0], "remount,bind,ro")]
    [InlineData(true, new[] { "nosuid", "nodev" }, "remount,bind,nosuid,nodev,ro")]
    [InlineData(true, new[] { "rw", "noexec" }, "remount,bind,rw,noexec,ro")]
    [InlineData(false, new[] { "nosuid" }, "remount,bind,nosuid")]
    public async Task BindMountAsync_ReadOnlyOrOptions_BindsThenRemountsTargetWithRoLast(bool readOnly, string[] options, string remountOptions)
    {
        _runner.Succeeds().Succeeds();
        _host.Mounts.Add(FakeHost.Mount(Target, "rw,relatime"));
        _host.Mounts.Add(FakeHost.Mount(Target, readOnly ? "ro,nosuid,relatime" : "rw,nosuid,relatime"));

        await Ops().BindMountAsync(Staging, Target, readOnly, options, CancellationToken.None);

        Assert.Equal(
            [
                ["mount", "--bind", Staging, Target],
                ["mount", "-o", remountOptions, Target],
            ],
            _runner.Argvs);
    }

    [Fact]
    public async Task BindMountAsync_RemountFails_UndoesTheBindAndThrows()
    {
        _runner.Succeeds().Returns(32, stderr: "mount: /target: mount point not mounted or bad option.\n").Succeeds();

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(
            () => Ops().BindMountAsync(Staging, Target, readOnly: true, [], CancellationToken.None));

        Assert.Equal(32, ex.ExitCode);
        Assert.Equal(["mount", "-o", "remount,bind,ro", Target], ex.Command);
        Assert.Equal(["umount", Target], _runner.Argvs[2]);
        Assert.Equal(3, _runner.Argvs.Count);
    }

    [Fact]
    public async Task BindMountAsync_MountStillWritableAfterRemount_UndoesTheBindAndThrows()
    {
        _runner.Succeeds().Succeeds().Succeeds();
        _host.Mounts.Add(FakeHost.Mount(Target, "rw,relatime"));

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(
            () => Ops().BindMountAsync(Staging, Target, readOnly: true, [], CancellationToken.None));

        Assert.Contains("still writable", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["umount", Target], _runner.Argvs[2]);
    }

    [Fact]
    public async Task BindMountAsync_TargetAbsentFromMountTable_UndoesTheBindAndThrows()
    {
        _runner.Succeeds().Succeeds().Succeeds();
        _host.Mounts.Add(FakeHost.Mount("/elsewhere", "ro"));

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(
            () => Ops().BindMountAsync(Staging, Target, readOnly: true, [], CancellationToken.None));

        Assert.Contains("not in the mount table", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["umount", Target], _runner.Argvs[2]);
    }

    [Fact]
    public async Task BindMountAsync_MountTableUnreadable_UndoesTheBindAndRethrows()
    {
        _runner.Succeeds().Succeeds().Succeeds();
        _host.MountTableFailure = new FormatException("Malformed mountinfo line");

        await Assert.ThrowsAsync<FormatException>(
            () => Ops().BindMountAsync(Staging, Target, readOnly: true, [], CancellationToken.None));

        Assert.Equal(["umount", Target], _runner.Argvs[2]);
    }

    [Fact]
    public async Task BindMountAsync_UndoFailsToo_ThrowsSayingTheMountIsLeft()
    {
        _runner.Succeeds().Returns(32, stderr: "mount: bad option\n").Returns(32, stderr: "umount: /target: target is busy.\n");

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(
            () => Ops().BindMountAsync(Staging, Target, readOnly: true, [], CancellationToken.None));

        Assert.Contains("still mounted without the requested options", ex.Message, StringComparison.Ordinal);
        Assert.Contains("target is busy", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["mount", "-o", "remount,bind,ro", Target], ex.Command);
        Assert.IsType<FilesystemCommandException>(ex.InnerException);
    }

    [Fact]
    public async Task BindMountAsync_CancelledAfterTheBind_StillMakesItReadOnly()
    {
        using var cts = new CancellationTokenSource();
        _runner
            .Answers((_, _) =>
            {
                cts.Cancel();
                return new CommandResult(0, "", "", TimeSpan.Zero);
            })
            .Succeeds();
        _host.Mounts.Add(FakeHost.Mount(Target, "ro,relatime"));

        await Ops().BindMountAsync(Staging, Target, readOnly: true, [], cts.Token);

        Assert.Equal(["mount", "-o", "remount,bind,ro", Target], _runner.Argvs[1]);
        Assert.False(_runner.Tokens[1].CanBeCanceled);
    }

    [Fact]
    public async Task BindMountAsync_RefusedOption_RunsNothing()
    {
        await Assert.ThrowsAsync<InvalidMountOptionException>(
            () => Ops().BindMountAsync(Staging, Target, readOnly: true, ["rbind"], CancellationToken.None));

        Assert.Empty(_runner.Calls);
    }

    [Fact]
    public async Task BindMountAsync_BindFails_ThrowsWithoutRemountOrUndo()
    {
        _runner.Returns(32, stderr: "mount: /target: special device /stage does not exist.\n");

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(
            () => Ops().BindMountAsync(Staging, Target, readOnly: true, [], CancellationToken.None));

        Assert.Equal(["mount", "--bind", Staging, Target], ex.Command);
        Assert.Single(_runner.Calls);
    }

    // ---------------------------------------------------------------- unmount

    [Fact]
    public async Task UnmountAsync_Target_RunsPlainUmount()
    {
        _runner.Succeeds();

        await Ops().UnmountAsync(Target, CancellationToken.None);

        Assert.Equal(["umount", Target], Assert.Single(_runner.Argvs));
    }

    [Fact]
    public async Task UnmountAsync_NotMounted_ThrowsWithExitCode32()
    {
        _runner.Returns(32, stderr: $"umount: {Target}: not mounted.\n");

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(() => Ops().UnmountAsync(Target, CancellationToken.None));

        Assert.Equal(32, ex.ExitCode);
        Assert.Contains("not mounted", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnmountAsync_UmountMissing_ThrowsNamingThePackage()
    {
        _runner.Throws(new CommandNotFoundException("umount", [Target], null));

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(() => Ops().UnmountAsync(Target, CancellationToken.None));

        Assert.True(ex.IsToolMissing);
        Assert.Contains("install util-linux", ex.Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- grow

    [Theory]
    [InlineData(FileSystemType.Ext4, new[] { "resize2fs", Device })]
    [InlineData(FileSystemType.Xfs, new[] { "xfs_growfs", "-d", Staging })]
    [InlineData(FileSystemType.Btrfs, new[] { "btrfs", "filesystem", "resize", "max", Staging })]
    public async Task GrowAsync_Type_RunsExactArgvWithGrowTimeout(FileSystemType type, string[] argv)
    {
        _runner.Succeeds();

        await Ops().GrowAsync(Device, Staging, type, CancellationToken.None);

        Assert.Equal(argv, Assert.Single(_runner.Argvs));
        Assert.Equal(Options.GrowTimeout, _runner.Calls[0].Timeout);
    }

    [Fact]
    public async Task GrowAsync_Ext4PermissionDenied_HintsAtCapSysResource()
    {
        _runner.Returns(1, stderr: "resize2fs 1.47.0 (5-Feb-2023)\nFilesystem at /dev/stratum/v1 is mounted on /stage; on-line resizing required\nresize2fs: Permission denied to resize filesystem\n");

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(
            () => Ops().GrowAsync(Device, Staging, FileSystemType.Ext4, CancellationToken.None));

        Assert.Contains("CAP_SYS_RESOURCE", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, ex.ExitCode);
    }

    [Theory]
    [InlineData(FileSystemType.Xfs, "xfs_growfs", "xfsprogs")]
    [InlineData(FileSystemType.Btrfs, "btrfs", "btrfs-progs")]
    [InlineData(FileSystemType.Ext4, "resize2fs", "e2fsprogs")]
    public async Task GrowAsync_ToolMissing_ThrowsNamingThePackage(FileSystemType type, string tool, string package)
    {
        _runner.Throws(new CommandNotFoundException(tool, [], null));

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(
            () => Ops().GrowAsync(Device, Staging, type, CancellationToken.None));

        Assert.Contains($"install {package}", ex.Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- block device size

    [Theory]
    [InlineData("419430400\n", 419430400L)]
    [InlineData("0\n", 0L)]
    [InlineData("  1099511627776  \n", 1099511627776L)]
    public async Task GetBlockDeviceSizeAsync_Output_ParsesBytes(string stdout, long expected)
    {
        _runner.Succeeds(stdout);

        var size = await Ops().GetBlockDeviceSizeAsync(Device, CancellationToken.None);

        Assert.Equal(expected, size);
        Assert.Equal(["blockdev", "--getsize64", Device], Assert.Single(_runner.Argvs));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1\n")]
    [InlineData("12 MiB\n")]
    [InlineData("99999999999999999999999\n")]
    public async Task GetBlockDeviceSizeAsync_UnexpectedOutput_Throws(string stdout)
    {
        _runner.Succeeds(stdout);

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(() => Ops().GetBlockDeviceSizeAsync(Device, CancellationToken.None));

        Assert.Contains("instead of a byte count", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetBlockDeviceSizeAsync_Fails_Throws()
    {
        _runner.Returns(1, stderr: "blockdev: cannot open /dev/stratum/v1: No such device or address\n");

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(() => Ops().GetBlockDeviceSizeAsync(Device, CancellationToken.None));

        Assert.Equal(1, ex.ExitCode);
        Assert.Contains("No such device or address", ex.Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- mount table

    [Fact]
    public void ReadMounts_ReturnsTheHostsMountTable()
    {
        _host.Mounts.Add(FakeHost.Mount(Target, "ro"));

        var mounts = Ops().ReadMounts();

        Assert.Equal(Target, Assert.Single(mounts).MountPoint);
    }
}
