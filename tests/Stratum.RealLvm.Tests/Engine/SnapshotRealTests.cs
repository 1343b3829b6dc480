using System.Security.Cryptography;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.RealLvm.Tests.Harness;
using Stratum.Volumes;
using Stratum.Volumes.Snapshots;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Engine;

/// <summary>One VG for the thin and thick snapshot cases: two PVs of 1 GiB.</summary>
public sealed class SnapshotBedFixture() : VolumeGroupFixture(pvCount: 2, pvSizeMiB: 1024);

/// <summary>
/// Thin classes, snapshots, restores and clones on real LVM, with real ext4 and real data: a
/// pattern written, snapshotted, overwritten, restored (and cloned, and restored again after the
/// source is deleted), compared by checksum; a volume with snapshots expanded; thin capacity
/// against what lvs reports; the overprovision limit and the data threshold enforced; a pool grown
/// by autogrow. The thin and thick cases share one VG.
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class SnapshotRealTests(SnapshotBedFixture bed, ITestOutputHelper output) : IClassFixture<SnapshotBedFixture>, IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private readonly string _work = Path.Combine("/run", "stratum-snap-" + Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var mount in Stratum.Platform.MountInfo.ReadSelf().Where(m => m.MountPoint.StartsWith(_work, StringComparison.Ordinal)).Reverse())
        {
            await Sh.TryRunAsync("umount", mount.MountPoint);
        }
    }

    private StratumConfig Config() => new()
    {
        DeviceClasses =
        [
            new DeviceClass { Name = "thick", VolumeGroup = bed.VgName, IsDefault = true },
            Thin("thin", "pool0", 256, ratio: 4, threshold: 90, autogrow: false),
            Thin("thin-grow", "pool1", 128, ratio: 2, threshold: 60, autogrow: true),
            Thin("thin-fixed", "pool2", 64, ratio: 1, threshold: 50, autogrow: false),
        ],
    };

    private DeviceClass Thin(string name, string pool, long mib, double ratio, int threshold, bool autogrow) => new()
    {
        Name = name,
        VolumeGroup = bed.VgName,
        Thin = new ThinPoolSettings
        {
            Pool = pool, Size = ThinPoolSize.Absolute(mib * MiB), OverprovisionRatio = ratio, DataThresholdPercent = threshold, Autogrow = autogrow, AutogrowPercent = 50,
        },
    };

    [Theory]
    [InlineData("thick")]
    [InlineData("thin")]
    public async Task SnapshotOverwriteRestoreCloneDeleteSourceExpand_DataAsAtEachPointInTime(string deviceClass)
    {
        await using var engine = await EngineUnderTest.StartAsync(bed.VgName, output, config: Config());
        var volumes = engine.Engine;

        var source = await CreateAsync(engine, $"src-{deviceClass}", 64 * MiB, deviceClass);
        var sourceMount = await StageAsync(engine, source, "src");
        var original = await WriteAsync(Path.Combine(sourceMount, "data"));

        var snapshot = await volumes.Snapshots.CreateAsync($"snap-{deviceClass}", source.Id.ToString(), CancellationToken.None);
        Assert.Equal(deviceClass == "thin", snapshot.IsReady); // thick: ready once its copy is done
        await volumes.Snapshots.WhenCopiedAsync(snapshot.Id.ToString());
        var listed = Assert.Single(await volumes.Snapshots.ListAsync(CancellationToken.None), s => s.Id == snapshot.Id);
        Assert.True(listed.IsReady);
        Assert.Equal(64 * MiB, listed.SizeBytes);
        var overwritten = await WriteAsync(Path.Combine(sourceMount, "data"));
        Assert.NotEqual(original, overwritten);

        // A volume that has snapshots still grows (its snapshot holds no copy-on-write on it).
        var grown = await engine.Node.ExpandAsync(new ExpandSpec(source.Id.ToString(), sourceMount, 96 * MiB, 0, false), CancellationToken.None);
        Assert.True(grown >= 96 * MiB);

        // Restore into a larger volume: the data of the snapshot, the filesystem grown at its first stage.
        var restored = await CreateAsync(engine, $"restored-{deviceClass}", 128 * MiB, deviceClass, new VolumeSource(VolumeSourceKind.Snapshot, snapshot.Id.ToString()));
        var restoredMount = await StageAsync(engine, restored, "restored");
        Assert.Equal(original, await HashAsync(Path.Combine(restoredMount, "data")));
        Assert.True(new DriveInfo(restoredMount).TotalSize > 100 * MiB, $"the filesystem was not grown: {new DriveInfo(restoredMount).TotalSize}");

        // Clone the source as it is now.
        var clone = await CreateAsync(engine, $"clone-{deviceClass}", 96 * MiB, deviceClass, new VolumeSource(VolumeSourceKind.Volume, source.Id.ToString()));
        Assert.Equal(overwritten, await HashAsync(Path.Combine(await StageAsync(engine, clone, "clone"), "data")));

        // Delete the source: the snapshot still restores.
        await engine.Node.UnstageAsync(source.Id.ToString(), sourceMount, CancellationToken.None);
        await volumes.DeleteAsync(source.Id.ToString(), CancellationToken.None);
        var again = await CreateAsync(engine, $"again-{deviceClass}", 64 * MiB, deviceClass, new VolumeSource(VolumeSourceKind.Snapshot, snapshot.Id.ToString()));
        Assert.Equal(original, await HashAsync(Path.Combine(await StageAsync(engine, again, "again"), "data")));

        // Clean up through the engine: nothing of the snapshot or of a point in time is left.
        foreach (var (volume, hint) in new[] { (restored, "restored"), (clone, "clone"), (again, "again") })
        {
            await engine.Node.UnstageAsync(volume.Id.ToString(), Path.Combine(_work, hint), CancellationToken.None);
            await volumes.DeleteAsync(volume.Id.ToString(), CancellationToken.None);
        }

        await volumes.Snapshots.DeleteAsync(snapshot.Id.ToString(), CancellationToken.None);
        var left = await engine.Lvm.ListLogicalVolumesAsync(bed.VgName, CancellationToken.None);
        Assert.DoesNotContain(left, lv => lv.Tags.Any(t => t.StartsWith("stratum/kind=", StringComparison.Ordinal)));
        Assert.DoesNotContain(left, lv => lv.Tags.Contains("stratum/owner=lvm.stratum.dev"));
    }

    [Fact]
    public async Task ThinCapacity_AsLvsReportsIt_OverprovisionAndThresholdEnforced_PoolAutogrown()
    {
        await using var engine = await EngineUnderTest.StartAsync(bed.VgName, output, config: Config());
        var volumes = engine.Engine;
        var grow = volumes.ResolveClass("thin-grow");

        // Capacity from lvs' own figures: min(data x ratio - virtual sizes, data x threshold - used + what the VG can still give).
        var pool = (await engine.Lvm.GetLogicalVolumeAsync(bed.VgName, "pool1", CancellationToken.None))!;
        var group = (await engine.Lvm.GetVolumeGroupAsync(bed.VgName, CancellationToken.None))!;
        var thinSizes = (await engine.Lvm.ListLogicalVolumesAsync(bed.VgName, CancellationToken.None)).Where(lv => lv.Pool == "pool1").Sum(lv => lv.SizeBytes);
        var byVirtual = (pool.SizeBytes * 2) - thinSizes;
        var byPhysical = (pool.SizeBytes * 60 / 100) - (long)(pool.SizeBytes * pool.DataPercent!.Value / 100) + (group.FreeBytes - (2 * group.ExtentSizeBytes));
        var expected = Math.Min(byVirtual, byPhysical) / group.ExtentSizeBytes * group.ExtentSizeBytes;
        output.WriteLine($"pool1 {pool.SizeBytes} bytes, data {pool.DataPercent}%, thin volumes {thinSizes}, vg free {group.FreeBytes}: expected {expected}");
        Assert.Equal(128 * MiB, pool.SizeBytes);
        Assert.Equal(expected, volumes.GetCapacity(grow).AvailableBytes);

        // The overprovision limit: 2 x 128 MiB of virtual size, not a byte more.
        var full = await CreateAsync(engine, "fills-the-limit", 256 * MiB, "thin-grow");
        var over = await Assert.ThrowsAsync<VolumeException>(() => CreateAsync(engine, "over-the-limit", 4 * MiB, "thin-grow"));
        Assert.Equal(VolumeError.NoSpace, over.Error);
        Assert.Contains("overprovision limit", over.Message);
        await volumes.DeleteAsync(full.Id.ToString(), CancellationToken.None);

        // The data threshold without autogrow: 40 MiB written into a 64 MiB pool (threshold 50%).
        var fixedVolume = await CreateAsync(engine, "fills-pool2", 64 * MiB, "thin-fixed");
        await WriteDeviceAsync(fixedVolume.DevicePath, 40 * MiB);
        await engine.Composed.Capacity.RefreshAsync(CancellationToken.None);
        Assert.Equal(0, volumes.GetCapacity(volumes.ResolveClass("thin-fixed")).AvailableBytes);
        var full2 = await Assert.ThrowsAsync<VolumeException>(() => CreateAsync(engine, "refused", 4 * MiB, "thin-fixed"));
        Assert.Equal(VolumeError.NoSpace, full2.Error);
        Assert.Contains($"thin pool {bed.VgName}/pool2", full2.Message);
        Assert.Contains("full of data", full2.Message);

        // Autogrow: 96 MiB written into a 128 MiB pool (threshold 60%) with free extents in the VG.
        var growing = await CreateAsync(engine, "fills-pool1", 128 * MiB, "thin-grow");
        await WriteDeviceAsync(growing.DevicePath, 96 * MiB);
        await engine.Composed.Capacity.RefreshAsync(CancellationToken.None);
        await volumes.Thin.MaintainAsync(volumes.Classes, CancellationToken.None);
        var grown = (await engine.Lvm.GetLogicalVolumeAsync(bed.VgName, "pool1", CancellationToken.None))!;
        output.WriteLine($"pool1 after autogrow: {grown.SizeBytes} bytes, data {grown.DataPercent}%");
        Assert.Equal(192 * MiB, grown.SizeBytes);
        Assert.True(grown.DataPercent < 60);

        await volumes.DeleteAsync(fixedVolume.Id.ToString(), CancellationToken.None);
        await volumes.DeleteAsync(growing.Id.ToString(), CancellationToken.None);
    }

    private static async Task<ManagedVolume> CreateAsync(EngineUnderTest engine, string name, long bytes, string deviceClass, VolumeSource? source = null) =>
        await engine.Engine.CreateAsync(new CreateVolumeSpec { Name = name, RequiredBytes = bytes, DeviceClass = deviceClass, Source = source, MountFilesystems = ["ext4"] }, CancellationToken.None);

    private async Task<string> StageAsync(EngineUnderTest engine, ManagedVolume volume, string hint)
    {
        var path = Path.Combine(_work, hint);
        await engine.Node.StageAsync(new StageSpec(volume.Id.ToString(), path, false, "ext4", []), CancellationToken.None);
        return path;
    }

    private static async Task<string> WriteAsync(string path)
    {
        var data = RandomNumberGenerator.GetBytes(4 * (int)MiB);
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            await file.WriteAsync(data);
            file.Flush(flushToDisk: true);
        }

        return Convert.ToHexString(SHA256.HashData(data));
    }

    private static async Task WriteDeviceAsync(string device, long bytes)
    {
        var chunk = RandomNumberGenerator.GetBytes((int)MiB);
        await using var stream = new FileStream(device, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 20);
        for (long written = 0; written < bytes; written += chunk.Length)
        {
            await stream.WriteAsync(chunk);
        }

        stream.Flush(flushToDisk: true);
    }

    private static async Task<string> HashAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexString(await SHA256.HashDataAsync(stream));
    }
}
