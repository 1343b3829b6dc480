using Stratum.Config;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Volumes.Filesystems;
using Stratum.Platform;
using Stratum.Volumes.Tests.Filesystems.TestSupport;

namespace Stratum.Volumes.Tests.Filesystems;

/// <summary>
/// <see cref="LinuxFilesystemOps"/> against the real tools and kernel: loop devices over sparse
/// files, real mkfs, mount, bind mounts, statvfs and online grow. Runs as root (see <see cref="RealHost"/>).
/// </summary>
[Collection(RealHostCollection.Name)]
public sealed class LinuxFilesystemOpsRealTests
{
    private const int Erofs = 30;
    private const long MiB = 1024 * 1024;

    private static LinuxFilesystemOps Ops(LoopWorkspace workspace) =>
        new(workspace.Runner, new LinuxFilesystemOpsOptions(), NullLogger<LinuxFilesystemOps>.Instance);

    /// <summary>The smallest size each mkfs accepts (xfsprogs >= 5.19: 300 MB; btrfs-progs: ~109 MiB), rounded up.</summary>
    private static long MinimumSize(FileSystemType type) => type switch
    {
        FileSystemType.Xfs => 300 * MiB,
        FileSystemType.Btrfs => 128 * MiB,
        _ => 64 * MiB,
    };

    [RealHostTheory]
    [InlineData(FileSystemType.Ext4)]
    [InlineData(FileSystemType.Xfs)]
    [InlineData(FileSystemType.Btrfs)]
    public async Task Lifecycle_LoopDevice_ProbeFormatMountWriteStatBindReadOnlyUnmount(FileSystemType type)
    {
        await using var ws = LoopWorkspace.Create();
        var ops = Ops(ws);
        var size = MinimumSize(type);
        var loop = await ws.AttachAsync(size);
        var stage = ws.Directory("stage");
        var publish = ws.Directory("pub");

        Assert.Equal(DeviceContents.Blank, await ops.ProbeAsync(loop.Path, CancellationToken.None));
        Assert.Equal(size, await ops.GetBlockDeviceSizeAsync(loop.Path, CancellationToken.None));

        await ops.FormatAsync(loop.Path, type, CancellationToken.None);
        var contents = await ops.ProbeAsync(loop.Path, CancellationToken.None);
        Assert.True(contents.Is(type), $"probe after mkfs found {contents}");

        // Mount with per-mount flags and write through the mount.
        await ops.MountAsync(loop.Path, stage, type, ["nodev", "noatime"], CancellationToken.None);
        var staged = MountInfo.FindMountPoint(ops.ReadMounts(), stage);
        Assert.NotNull(staged);
        Assert.Equal(type.ToName(), staged.FsType);
        Assert.Equal(loop.Path, staged.Source);
        Assert.Contains("nodev", staged.Options.Split(','));
        Assert.Contains("noatime", staged.Options.Split(','));
        Assert.False(staged.IsReadOnly);

        var payload = new byte[1 * MiB];
        Random.Shared.NextBytes(payload);
        await WriteDurablyAsync(Path.Combine(stage, "data.bin"), payload);

        var stats = ops.GetStats(stage);
        Assert.InRange(stats.TotalBytes, size / 2, size);
        Assert.InRange(stats.AvailableBytes, 1, stats.TotalBytes);
        Assert.InRange(stats.UsedBytes, 1, stats.TotalBytes);
        if (type == FileSystemType.Btrfs)
        {
            Assert.Equal(0, stats.TotalInodes); // btrfs allocates inodes dynamically and reports none
        }
        else
        {
            Assert.True(stats.TotalInodes > 1000, $"{stats.TotalInodes} inodes");
            Assert.InRange(stats.UsedInodes, 2, stats.TotalInodes); // at least the root and data.bin
            Assert.Equal(stats.TotalInodes, stats.FreeInodes + stats.UsedInodes);
        }

        // Read-only bind mount: readable, not writable, and it keeps the flags it inherited.
        await ops.BindMountAsync(stage, publish, readOnly: true, ["nosuid"], CancellationToken.None);
        var published = MountInfo.FindMountPoint(ops.ReadMounts(), publish);
        Assert.NotNull(published);
        Assert.True(published.IsReadOnly, published.Options);
        Assert.Contains("nodev", published.Options.Split(','));
        Assert.Contains("nosuid", published.Options.Split(','));
        Assert.Equal(payload, await File.ReadAllBytesAsync(Path.Combine(publish, "data.bin")));

        var refused = await Assert.ThrowsAsync<IOException>(() => File.WriteAllTextAsync(Path.Combine(publish, "new.txt"), "no"));
        Assert.Equal(Erofs, refused.HResult);
        Assert.Contains("Read-only file system", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(stage, "new.txt")));

        // The staging mount under it is still writable.
        await File.WriteAllTextAsync(Path.Combine(stage, "still-writable.txt"), "yes");

        await ops.UnmountAsync(publish, CancellationToken.None);
        await ops.UnmountAsync(stage, CancellationToken.None);
        var remaining = ops.ReadMounts();
        Assert.Null(MountInfo.FindMountPoint(remaining, publish));
        Assert.Null(MountInfo.FindMountPoint(remaining, stage));

        Assert.True((await ops.ProbeAsync(loop.Path, CancellationToken.None)).Is(type));
        var notMounted = await Assert.ThrowsAsync<FilesystemCommandException>(() => ops.UnmountAsync(stage, CancellationToken.None));
        Assert.Equal(32, notMounted.ExitCode);
    }

    [RealHostTheory]
    [InlineData(FileSystemType.Ext4)]
    [InlineData(FileSystemType.Xfs)]
    [InlineData(FileSystemType.Btrfs)]
    public async Task GrowAsync_LoopDeviceEnlargedWhileMounted_FilesystemFillsTheDevice(FileSystemType type)
    {
        await using var ws = LoopWorkspace.Create();
        var ops = Ops(ws);
        var size = MinimumSize(type);
        var grown = size + (512 * MiB);
        var loop = await ws.AttachAsync(size);
        var stage = ws.Directory("stage");
        await ops.FormatAsync(loop.Path, type, CancellationToken.None);
        await ops.MountAsync(loop.Path, stage, type, [], CancellationToken.None);
        var before = ops.GetStats(stage);

        // What NodeExpandVolume does after lvextend: the device grew under the mounted filesystem.
        await ws.EnlargeAsync(loop, grown);
        Assert.Equal(grown, await ops.GetBlockDeviceSizeAsync(loop.Path, CancellationToken.None));

        if (type == FileSystemType.Ext4 && !RealHost.HasCapSysResource)
        {
            // The kernel refuses online ext4 resize without CAP_SYS_RESOURCE (some sandboxes drop it);
            // the failure must say so. A real node's privileged plugin container has it.
            var ex = await Assert.ThrowsAsync<FilesystemCommandException>(
                () => ops.GrowAsync(loop.Path, stage, type, CancellationToken.None));
            Assert.Contains("CAP_SYS_RESOURCE", ex.Message, StringComparison.Ordinal);
            return;
        }

        await ops.GrowAsync(loop.Path, stage, type, CancellationToken.None);

        var after = ops.GetStats(stage);
        Assert.True(after.TotalBytes >= before.TotalBytes + (448 * MiB), $"{before.TotalBytes} -> {after.TotalBytes} bytes");
        Assert.InRange(after.TotalBytes, grown / 2, grown);
        Assert.True(after.AvailableBytes > before.AvailableBytes);
    }

    [RealHostTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BindMountAsync_BlockDeviceNodeOntoFile_FileIsTheDevice(bool readOnly)
    {
        await using var ws = LoopWorkspace.Create();
        var ops = Ops(ws);
        var loop = await ws.AttachAsync(64 * MiB);
        var file = ws.EmptyFile("block");
        Assert.Equal(FileKind.Regular, FileStatus.StatFollow(file).Kind);

        await ops.BindMountAsync(loop.Path, file, readOnly, [], CancellationToken.None);

        var device = FileStatus.StatFollow(loop.Path);
        var published = FileStatus.StatFollow(file);
        Assert.Equal(FileKind.BlockDevice, published.Kind);
        Assert.Equal((device.DeviceMajor, device.DeviceMinor), (published.DeviceMajor, published.DeviceMinor));
        Assert.Equal(7u, published.DeviceMajor); // loop
        Assert.Equal(readOnly, MountInfo.FindMountPoint(ops.ReadMounts(), file)?.IsReadOnly);
        Assert.Equal(64 * MiB, await ops.GetBlockDeviceSizeAsync(file, CancellationToken.None));

        await ops.UnmountAsync(file, CancellationToken.None);
        Assert.Equal(FileKind.Regular, FileStatus.StatFollow(file).Kind);
    }

    [RealHostFact]
    public async Task BindMountAsync_ReadOnlyBlockDeviceNode_DoesNotMakeTheDeviceReadOnly()
    {
        // A characterisation of the kernel, for whoever publishes raw block volumes read-only: "ro" on
        // a mount restricts the filesystem holding the device *node*, never the device behind it, so
        // writes through the node still succeed. Read-only block access needs the device itself to
        // be read-only (blockdev --setro) or the container runtime's device permissions.
        await using var ws = LoopWorkspace.Create();
        var ops = Ops(ws);
        var loop = await ws.AttachAsync(64 * MiB);
        var file = ws.EmptyFile("block");
        await ops.BindMountAsync(loop.Path, file, readOnly: true, [], CancellationToken.None);

        await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write))
        {
            await stream.WriteAsync(new byte[4096]);
        }

        await ops.UnmountAsync(file, CancellationToken.None);
    }

    [RealHostFact]
    public async Task ProbeAsync_TwoSignatures_IsAmbivalentNotBlank()
    {
        await using var ws = LoopWorkspace.Create();
        var ops = Ops(ws);
        var ext4 = await ws.AttachAsync(128 * MiB);
        var btrfs = await ws.AttachAsync(128 * MiB);
        await ops.FormatAsync(ext4.Path, FileSystemType.Ext4, CancellationToken.None);
        await ops.FormatAsync(btrfs.Path, FileSystemType.Btrfs, CancellationToken.None);

        // Lay btrfs's primary superblock (at 64 KiB) over the ext4 device, whose own is at 1 KiB.
        const int SuperblockOffset = 64 * 1024;
        var superblock = new byte[4096];
        await using (var source = new FileStream(btrfs.Path, FileMode.Open, FileAccess.Read))
        {
            source.Position = SuperblockOffset;
            await source.ReadExactlyAsync(superblock);
        }

        await using (var target = new FileStream(ext4.Path, FileMode.Open, FileAccess.Write))
        {
            target.Position = SuperblockOffset;
            await target.WriteAsync(superblock);
        }

        var contents = await ops.ProbeAsync(ext4.Path, CancellationToken.None);

        Assert.False(contents.IsBlank);
        Assert.Equal("ambivalent", contents.Usage);
        Assert.False(contents.Is(FileSystemType.Ext4));
        Assert.False(contents.Is(FileSystemType.Btrfs));
    }

    [RealHostFact]
    public async Task ProbeAsync_PartitionTable_IsReportedAsOne()
    {
        await using var ws = LoopWorkspace.Create();
        var ops = Ops(ws);
        var loop = await ws.AttachAsync(64 * MiB);

        // A classic MBR: one Linux partition from sector 2048, and the 0x55AA signature.
        var mbr = new byte[512];
        BitConverter.TryWriteBytes(mbr.AsSpan(440), 0x5354524Du);
        mbr[446 + 4] = 0x83;
        BitConverter.TryWriteBytes(mbr.AsSpan(446 + 8), 2048u);
        BitConverter.TryWriteBytes(mbr.AsSpan(446 + 12), 65536u);
        mbr[510] = 0x55;
        mbr[511] = 0xAA;
        await using (var device = new FileStream(loop.Path, FileMode.Open, FileAccess.Write))
        {
            await device.WriteAsync(mbr);
        }

        var contents = await ops.ProbeAsync(loop.Path, CancellationToken.None);

        Assert.Equal(new DeviceContents(false, "dos", "partition table"), contents);
    }

    [RealHostTheory]
    [InlineData(FileSystemType.Xfs)]
    [InlineData(FileSystemType.Btrfs)]
    public async Task FormatAsync_DeviceWithFilesystem_IsRefusedByMkfs(FileSystemType type)
    {
        await using var ws = LoopWorkspace.Create();
        var ops = Ops(ws);
        var loop = await ws.AttachAsync(MinimumSize(FileSystemType.Xfs));
        await ops.FormatAsync(loop.Path, FileSystemType.Ext4, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(() => ops.FormatAsync(loop.Path, type, CancellationToken.None));

        Assert.Contains("existing filesystem", ex.Message, StringComparison.Ordinal);
        Assert.True((await ops.ProbeAsync(loop.Path, CancellationToken.None)).Is(FileSystemType.Ext4));
    }

    [RealHostFact]
    public async Task FormatAsync_XfsBelowMinimumSize_FailsWithMkfsMessage()
    {
        await using var ws = LoopWorkspace.Create();
        var ops = Ops(ws);
        var loop = await ws.AttachAsync(64 * MiB);

        var ex = await Assert.ThrowsAsync<FilesystemCommandException>(() => ops.FormatAsync(loop.Path, FileSystemType.Xfs, CancellationToken.None));

        Assert.Equal(1, ex.ExitCode);
        Assert.Contains("mkfs.xfs", ex.Message, StringComparison.Ordinal);
    }

    [RealHostFact]
    public async Task ProbeAsync_MissingDevice_ThrowsInsteadOfReportingBlank()
    {
        await using var ws = LoopWorkspace.Create();

        await Assert.ThrowsAsync<FileNotFoundException>(() => Ops(ws).ProbeAsync("/dev/stratum-no-such-device", CancellationToken.None));
    }

    private static async Task WriteDurablyAsync(string path, byte[] content)
    {
        await using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        await stream.WriteAsync(content);
        stream.Flush(flushToDisk: true);
    }
}

/// <summary>Real-device tests run one at a time: they share the machine's two cores and its loop devices.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealHostCollection
{
    public const string Name = "real host (loop devices, mkfs, mount)";
}
