using Stratum.RealLvm.Tests.Harness;
using Stratum.Volumes;
using Stratum.Volumes.Filesystems;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Engine;

/// <summary>
/// A read-only raw block publish on real LVM: the path a pod gets refuses writes (a read-only
/// device-mapper device over the LV, not a read-only bind of the LV's node, which does not stop
/// writes); republishing changes nothing; unpublish removes the device, also after a crash
/// between the steps; expansion reaches it.
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class ReadOnlyBlockRealTests(VolumeGroupFixture vg, ITestOutputHelper output) : IClassFixture<VolumeGroupFixture>, IAsyncLifetime
{
    private const long MiB = 1024 * 1024;

    private readonly string _work = Path.Combine("/run", "stratum-ro-" + Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var mount in File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m.StartsWith(_work, StringComparison.Ordinal)).Reverse())
        {
            await Sh.TryRunAsync("umount", mount);
        }

        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task PublishReadOnly_WritesRefusedReadsServedUnpublishRemovesTheDevice()
    {
        await using var engine = await EngineUnderTest.StartAsync(vg.VgName, output);
        var volume = await engine.Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-ro", RequiredBytes = 16 * MiB }, CancellationToken.None);
        await WriteAsync(volume.DevicePath, 0x5A);
        var target = Path.Combine(_work, "pod", "dev");
        var staging = Path.Combine(_work, "staging");
        var spec = new PublishSpec(volume.Id.ToString(), staging, target, Block: true, ReadOnly: true);
        var name = NodeVolumes.ReadOnlyMappingName(volume.Id, target);

        await engine.Node.StageAsync(new StageSpec(volume.Id.ToString(), staging, true, null, []), CancellationToken.None);
        await engine.Node.PublishAsync(spec, CancellationToken.None);
        var refused = await Record.ExceptionAsync(() => WriteAsync(target, 0x00));
        var read = await ReadAsync(target);
        await engine.Node.PublishAsync(spec, CancellationToken.None); // again: nothing changes
        var info = (await Sh.RunAsync("dmsetup", "info", "-c", "--noheadings", "-o", "name,attr", name)).Stdout.Trim();

        output.WriteLine($"writing through the read-only publish: {refused?.GetType().Name}: {refused?.Message}");
        Assert.True(refused is IOException or UnauthorizedAccessException, $"the write went through ({refused?.GetType().Name ?? "no error"})");
        Assert.Equal(0x5A, read);
        Assert.Equal(0x5A, await ReadAsync(volume.DevicePath)); // nothing reached the LV
        Assert.EndsWith("r", info.Split(':')[^1], StringComparison.Ordinal); // the device's own read-only flag
        Assert.StartsWith($"stratum-ro-{volume.Lv.Name}-", name, StringComparison.Ordinal);

        await engine.Node.UnpublishAsync(volume.Id.ToString(), target, CancellationToken.None);

        Assert.False(File.Exists(target), $"{target} was left behind");
        Assert.False(File.Exists($"/dev/mapper/{name}"), $"{name} was left behind");
        await engine.Engine.DeleteAsync(volume.Id.ToString(), CancellationToken.None);
    }

    [Fact]
    public async Task CrashBetweenSteps_RetriesFinishPublishAndUnpublish()
    {
        await using var engine = await EngineUnderTest.StartAsync(vg.VgName, output);
        var filesystem = new LinuxFilesystemOps(LvmUnderTest.Runner(output), new LinuxFilesystemOpsOptions(), new TestOutputLogger<LinuxFilesystemOps>(output));
        var volume = await engine.Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-ro-crash", RequiredBytes = 16 * MiB }, CancellationToken.None);
        var target = Path.Combine(_work, "crash", "dev");
        var name = NodeVolumes.ReadOnlyMappingName(volume.Id, target);
        var spec = new PublishSpec(volume.Id.ToString(), Path.Combine(_work, "s"), target, Block: true, ReadOnly: true);

        // A publish that died after creating the device, before binding it.
        await filesystem.CreateReadOnlyMappingAsync(name, new DeviceNumber((uint)volume.Lv.KernelMajor!, (uint)volume.Lv.KernelMinor!), volume.CapacityBytes / 512, CancellationToken.None);
        await engine.Node.PublishAsync(spec, CancellationToken.None);
        var refused = await Record.ExceptionAsync(() => WriteAsync(target, 0x00));

        // An unpublish that died after unmounting and removing the file, before removing the device.
        await Sh.RunAsync("umount", target);
        File.Delete(target);
        await engine.Node.UnpublishAsync(volume.Id.ToString(), target, CancellationToken.None);

        Assert.True(refused is IOException or UnauthorizedAccessException, $"the write went through ({refused?.GetType().Name ?? "no error"})");
        Assert.Empty(filesystem.FindMappings(name));
        await engine.Engine.DeleteAsync(volume.Id.ToString(), CancellationToken.None);
    }

    [Fact]
    public async Task Expand_PublishedReadOnly_TheReadOnlyDeviceGrowsToo()
    {
        await using var engine = await EngineUnderTest.StartAsync(vg.VgName, output);
        var volume = await engine.Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-ro-grow", RequiredBytes = 16 * MiB }, CancellationToken.None);
        var target = Path.Combine(_work, "grow", "dev");
        await engine.Node.PublishAsync(new PublishSpec(volume.Id.ToString(), Path.Combine(_work, "s"), target, Block: true, ReadOnly: true), CancellationToken.None);

        var size = await engine.Node.ExpandAsync(new ExpandSpec(volume.Id.ToString(), target, 32 * MiB, 0, true), CancellationToken.None);

        Assert.Equal(32 * MiB, size);
        Assert.Equal($"{32 * MiB}", (await Sh.RunAsync("blockdev", "--getsize64", target)).Stdout.Trim());
        Assert.Equal("1", (await Sh.RunAsync("blockdev", "--getro", target)).Stdout.Trim());
        await engine.Node.UnpublishAsync(volume.Id.ToString(), target, CancellationToken.None);
        await engine.Engine.DeleteAsync(volume.Id.ToString(), CancellationToken.None);
    }

    private static async Task WriteAsync(string device, byte value)
    {
        await using var stream = new FileStream(device, FileMode.Open, FileAccess.Write);
        await stream.WriteAsync(Enumerable.Repeat(value, 64 * 1024).ToArray());
        await stream.FlushAsync();
        stream.Flush(flushToDisk: true);
    }

    private static async Task<byte> ReadAsync(string device)
    {
        await File.WriteAllTextAsync("/proc/sys/vm/drop_caches", "3");
        var buffer = new byte[64 * 1024];
        await using (var stream = new FileStream(device, FileMode.Open, FileAccess.Read))
        {
            await stream.ReadExactlyAsync(buffer);
        }

        Assert.All(buffer, b => Assert.Equal(buffer[0], b));
        return buffer[0];
    }
}
