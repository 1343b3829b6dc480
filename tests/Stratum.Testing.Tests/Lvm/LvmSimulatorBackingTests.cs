using Stratum.Lvm;
using Stratum.Testing.Lvm;
using Stratum.Testing.Tests.TestSupport;

namespace Stratum.Testing.Tests.Lvm;

/// <summary>
/// Device backing on this machine's real loop devices (needs root, losetup, mkfs.ext4, mount):
/// the device behind <see cref="LogicalVolume.Path"/> is real, grows, holds data across
/// deactivation, refuses removal while mounted, and disposal leaves nothing attached.
/// </summary>
public sealed class LvmSimulatorBackingTests : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private static CancellationToken Ct => CancellationToken.None;

    private readonly string _directory = Directory.CreateTempSubdirectory("stratum-sim-backing-").FullName;
    private readonly List<string> _mountPoints = [];
    private LvmSimulator _sim = null!;

    public async Task InitializeAsync()
    {
        _sim = new LvmSimulator(new LvmSimulatorOptions { BackingDirectory = _directory });
        await _sim.AddVolumeGroupAsync("vg", [256 * MiB, 256 * MiB]);
    }

    public async Task DisposeAsync()
    {
        foreach (var mountPoint in _mountPoints)
        {
            await Shell.TryRunAsync("umount", "-l", mountPoint);
            Directory.Delete(mountPoint);
        }

        await _sim.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static CreateVolumeRequest Lv(string name, long size) => new() { VolumeGroup = "vg", Name = name, SizeBytes = size };

    [Fact]
    public async Task CreateVolume_Backed_PathIsALinkToALoopDeviceOfTheLvSize()
    {
        var lv = await _sim.CreateVolumeAsync(Lv("lin", 10 * MiB), Ct);

        var target = new FileInfo(lv.Path!).LinkTarget;
        Assert.Equal(Path.Combine(_directory, "dev", "vg", "lin"), lv.Path);
        Assert.Matches(@"^/dev/loop\d+$", target);
        Assert.Equal(7, lv.KernelMajor);
        Assert.Equal($"{lv.KernelMajor}:{lv.KernelMinor}", (await File.ReadAllTextAsync($"/sys/class/block/{Path.GetFileName(target)}/dev")).Trim());
        Assert.Equal(12 * MiB, await Shell.DeviceSizeAsync(lv.Path!));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExtendVolume_Backed_GrowsTheLoopDevice(bool thin)
    {
        if (thin)
        {
            await _sim.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = "vg", Name = "pool", SizeBytes = 8 * MiB }, Ct);
            await _sim.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "pool", Name = "v", SizeBytes = 8 * MiB }, Ct);
        }
        else
        {
            await _sim.CreateVolumeAsync(Lv("v", 8 * MiB), Ct);
        }

        var lv = await _sim.ExtendVolumeAsync("vg", "v", 100 * MiB, Ct);

        Assert.Equal(100 * MiB, lv.SizeBytes);
        Assert.Equal(100 * MiB, await Shell.DeviceSizeAsync(lv.Path!));
    }

    [Fact]
    public async Task RemoveVolume_MountedFilesystem_IsInUseUntilUnmounted()
    {
        var lv = await _sim.CreateVolumeAsync(Lv("fs", 16 * MiB), Ct);
        var file = BackingFile("fs");
        await Shell.RunAsync("mkfs.ext4", "-q", lv.Path!);
        var mountPoint = await MountAsync(lv.Path!);

        var remove = await Assert.ThrowsAsync<LvmInUseException>(() => _sim.RemoveVolumeAsync("vg", "fs", Ct));
        var deactivate = await Assert.ThrowsAsync<LvmInUseException>(() => _sim.DeactivateVolumeAsync("vg", "fs", Ct));
        var open = await _sim.GetLogicalVolumeAsync("vg", "fs", Ct);
        await Shell.RunAsync("umount", mountPoint);
        await _sim.RemoveVolumeAsync("vg", "fs", Ct);

        Assert.EndsWith("Logical volume vg/fs contains a filesystem in use.", remove.Message, StringComparison.Ordinal);
        Assert.EndsWith("Logical volume vg/fs contains a filesystem in use.", deactivate.Message, StringComparison.Ordinal);
        Assert.True(open!.IsOpen);
        Assert.Equal(string.Empty, await Shell.LoopDevicesOfAsync(file));
        Assert.False(File.Exists(file));
        Assert.False(File.Exists(lv.Path));
    }

    [Fact]
    public async Task RemoveVolume_OnlyABindMountLeft_IsStillInUse()
    {
        var lv = await _sim.CreateVolumeAsync(Lv("fs", 16 * MiB), Ct);
        await Shell.RunAsync("mkfs.ext4", "-q", lv.Path!);
        var first = await MountAsync(lv.Path!);
        var bind = Directory.CreateTempSubdirectory("stratum-sim-bind-").FullName;
        _mountPoints.Add(bind);
        await Shell.RunAsync("mount", "--bind", first, bind);
        await Shell.RunAsync("umount", first);

        await Assert.ThrowsAsync<LvmInUseException>(() => _sim.RemoveVolumeAsync("vg", "fs", Ct));

        await Shell.RunAsync("umount", bind);
        await _sim.RemoveVolumeAsync("vg", "fs", Ct);
    }

    [Fact]
    public async Task DeactivateVolume_ThenActivate_DetachesAndReattachesKeepingTheData()
    {
        var lv = await _sim.CreateVolumeAsync(Lv("data", 4 * MiB), Ct);
        var file = BackingFile("data");
        await WritePatternAsync(lv.Path!, 0x5A);

        await _sim.DeactivateVolumeAsync("vg", "data", Ct);
        var inactive = await _sim.GetLogicalVolumeAsync("vg", "data", Ct);
        var attachedWhileInactive = await Shell.LoopDevicesOfAsync(file);
        var linkWhileInactive = File.Exists(lv.Path);
        await _sim.ActivateVolumeAsync("vg", "data", Ct);

        Assert.Equal(string.Empty, attachedWhileInactive);
        Assert.False(linkWhileInactive);
        Assert.Null(inactive!.KernelMajor);
        Assert.Equal(0x5A, await ReadFirstByteAsync(lv.Path!));
    }

    [Fact]
    public async Task CreateSnapshot_Backed_CopiesTheOriginAtSnapshotTime()
    {
        var origin = await _sim.CreateVolumeAsync(Lv("origin", 4 * MiB), Ct);
        await WritePatternAsync(origin.Path!, 0x11);

        var cow = await _sim.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "vg", Origin = "origin", Name = "cow", SizeBytes = 4 * MiB }, Ct);
        await WritePatternAsync(origin.Path!, 0x22);

        Assert.Equal(0x11, await ReadFirstByteAsync(cow.Path!));
        Assert.Equal(4 * MiB, await Shell.DeviceSizeAsync(cow.Path!));
        Assert.Equal(0x22, await ReadFirstByteAsync(origin.Path!));
    }

    [Fact]
    public async Task CreateThinSnapshot_BackedAndActivated_CopiesTheOrigin()
    {
        await _sim.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = "vg", Name = "pool", SizeBytes = 8 * MiB }, Ct);
        var thin = await _sim.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "pool", Name = "thin", SizeBytes = 64 * MiB }, Ct);
        await WritePatternAsync(thin.Path!, 0x33);

        var kept = await _sim.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = "vg", Origin = "thin", Name = "kept" }, Ct);
        var restored = await _sim.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = "vg", Origin = "thin", Name = "restored", Activate = true }, Ct);

        Assert.False(File.Exists(kept.Path));
        Assert.Equal(0x33, await ReadFirstByteAsync(restored.Path!));
        Assert.Equal(64 * MiB, await Shell.DeviceSizeAsync(restored.Path!));
    }

    [Fact]
    public async Task DisposeAsync_SeveralActiveLvs_DetachesEveryLoopDeviceAndDeletesTheFiles()
    {
        await _sim.CreateVolumeAsync(Lv("a", 4 * MiB), Ct);
        await _sim.CreateVolumeAsync(Lv("b", 4 * MiB) with { Stripes = 2 }, Ct);
        await _sim.CreateVolumeAsync(Lv("c", 4 * MiB) with { Mirrors = 1 }, Ct);
        await _sim.CreateVolumeAsync(Lv("inactive", 4 * MiB), Ct);
        await _sim.DeactivateVolumeAsync("vg", "inactive", Ct);
        var files = Directory.GetFiles(Path.Combine(_directory, "data"), "*.img", SearchOption.AllDirectories);

        await _sim.DisposeAsync();

        Assert.Equal(4, files.Length);
        var attached = await Shell.RunAsync("losetup", "-a");
        Assert.DoesNotContain(_directory, attached, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_directory, "data")));
        Assert.False(Directory.Exists(Path.Combine(_directory, "dev")));
    }

    private string BackingFile(string lv) =>
        Assert.Single(Directory.GetFiles(Path.Combine(_directory, "data", "vg"), $"{lv}-*.img"));

    private async Task<string> MountAsync(string device)
    {
        var mountPoint = Directory.CreateTempSubdirectory("stratum-sim-mnt-").FullName;
        _mountPoints.Add(mountPoint);
        await Shell.RunAsync("mount", device, mountPoint);
        return mountPoint;
    }

    private static async Task WritePatternAsync(string device, byte value)
    {
        await using var stream = new FileStream(device, FileMode.Open, FileAccess.Write);
        var block = Enumerable.Repeat(value, 4096).ToArray();
        await stream.WriteAsync(block);
        stream.Flush(flushToDisk: true);
    }

    private static async Task<int> ReadFirstByteAsync(string device)
    {
        await using var stream = new FileStream(device, FileMode.Open, FileAccess.Read);
        var buffer = new byte[512];
        await stream.ReadExactlyAsync(buffer);
        return buffer[0];
    }
}
