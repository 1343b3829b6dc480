using Stratum.Lvm;
using Stratum.RealLvm.Tests.Harness;
using Stratum.Volumes;
using Stratum.Volumes.Filesystems;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Engine;

/// <summary>
/// The engine on real LVM, called directly: how many LVM processes each call starts (issue #8's
/// goals), a change the caller gives up on that still runs to its end, and deleted data that does
/// not linger (discard before lvremove; a thin pool gets its blocks back).
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class EngineLifecycleRealTests(OnePvFixture vg, ITestOutputHelper output) : IClassFixture<OnePvFixture>
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task LvmProcessesPerCall_CreateThreeDeleteTwoRefreshOne()
    {
        var runner = new CountingRunner(LvmUnderTest.Runner(output));
        var started = await EngineUnderTest.StartAsync(vg.VgName, output, runner: runner);
        await using var engine = started;
        var counts = new List<(string Call, IReadOnlyList<string> Commands)>();
        async Task<T> Count<T>(string call, Func<Task<T>> action)
        {
            runner.Reset();
            var result = await action();
            counts.Add((call, runner.LvmCommands));
            return result;
        }

        // What CreateVolume waits for, and what follows it: the background's lvchange is held back
        // until the answer is in (30 s at most: an engine that waited for it would show it).
        var spec = new CreateVolumeSpec { Name = "pvc-count", RequiredBytes = 16 * MiB };
        using var answered = new ManualResetEventSlim();
        runner.OnStart = s =>
        {
            if (s.Arguments is ["lvchange", ..])
            {
                answered.Wait(TimeSpan.FromSeconds(30));
            }
        };
        var volume = await Count("CreateVolume (answered)", () => engine.Engine.CreateAsync(spec, CancellationToken.None));
        answered.Set();
        counts.Add(("CreateVolume (in all)", [.. counts[0].Commands, .. await Background()]));
        runner.OnStart = null;
        await Count("CreateVolume (retry)", () => engine.Engine.CreateAsync(spec, CancellationToken.None));
        await Count("GetCapacity", () => Task.FromResult(engine.Engine.GetCapacity(engine.Engine.ResolveClass(null))));
        await Count("refresh (idle)", async () => { await engine.Composed.Capacity.RefreshAsync(CancellationToken.None); return 0; });
        await Count("DeleteVolume", async () => { await engine.Engine.DeleteAsync(volume.Id.ToString(), CancellationToken.None); return 0; });
        await Count("DeleteVolume (retry)", async () => { await engine.Engine.DeleteAsync(volume.Id.ToString(), CancellationToken.None); return 0; });

        foreach (var (call, commands) in counts)
        {
            output.WriteLine($"lvm processes: {call,-22} {commands.Count} ({string.Join(", ", commands)})");
        }

        // The new LV's device is read from sysfs: CreateVolume answers after the lvcreate, and marks
        // the volume ready and refreshes the capacity in the background.
        Assert.Equal(["lvcreate"], counts[0].Commands);
        Assert.Equal(["lvcreate", "lvchange", "fullreport"], counts[1].Commands);
        Assert.Equal(["lvs"], counts[2].Commands);
        Assert.Empty(counts[3].Commands);
        Assert.Equal(["fullreport"], counts[4].Commands);
        Assert.Equal(["lvchange", "lvremove"], counts[5].Commands);
        Assert.Equal(["lvs"], counts[6].Commands);

        async Task<IReadOnlyList<string>> Background()
        {
            await engine.Composed.Catalog.WhenAllCompletedAsync();
            return runner.LvmCommands.Skip(counts[0].Commands.Count).ToList();
        }
    }

    [Fact]
    public async Task CreateVolume_CallerGivesUpWhileLvcreateRuns_LvcreateFinishesAndTheVolumeIsComplete()
    {
        using var caller = new CancellationTokenSource();
        var runner = new CountingRunner(LvmUnderTest.Runner(output));
        await using var engine = await EngineUnderTest.StartAsync(vg.VgName, output, runner: runner);
        runner.OnStart = spec =>
        {
            if (spec.Arguments is ["lvcreate", ..])
            {
                caller.CancelAfter(TimeSpan.FromMilliseconds(200)); // the provisioner's deadline passes mid-lvcreate
            }
        };

        var volume = await engine.Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-patient", RequiredBytes = 16 * MiB }, caller.Token);
        await engine.Composed.Catalog.WhenAllCompletedAsync(); // the marking that follows in the background
        var lv = await engine.Lvm.GetLogicalVolumeAsync(vg.VgName, volume.Lv.Name, CancellationToken.None);

        Assert.True(caller.IsCancellationRequested);
        Assert.Contains("stratum/state=ready", lv!.Tags);
        Assert.Equal(volume.Id, (await engine.Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-patient", RequiredBytes = 16 * MiB }, CancellationToken.None)).Id);
        await engine.Engine.DeleteAsync(volume.Id.ToString(), CancellationToken.None);
    }

    [Fact]
    public async Task DeleteThenCreateOverTheSameExtents_NothingOfTheOldDataReadsBack()
    {
        await using var engine = await EngineUnderTest.StartAsync(vg.VgName, output);
        var (old, recreated) = await WriteDeleteRecreateAsync(engine, "pvc-wiped");

        var data = await ReadAllAsync(recreated.DevicePath, old.CapacityBytes);

        Assert.True(data.All(b => b == 0), $"{data.Count(b => b != 0)} bytes of the deleted volume read back");
        await engine.Engine.DeleteAsync(recreated.Id.ToString(), CancellationToken.None);
    }

    [Fact]
    public async Task DeleteThenCreate_ClassWithoutDiscard_OldDataBeyondTheWipedStartReadsBack()
    {
        // The contrast that shows the test above can fail: without discard, lvcreate's wipe only
        // zeroes the first 4 KiB (and known signatures); the rest of the deleted volume is still there.
        await using var engine = await EngineUnderTest.StartAsync(vg.VgName, output, config: EngineUnderTest.Config(vg.VgName, discardOnDelete: false));
        var (old, recreated) = await WriteDeleteRecreateAsync(engine, "pvc-kept");

        var data = await ReadAllAsync(recreated.DevicePath, old.CapacityBytes);

        Assert.True(data.Skip(1024 * 1024).Take(1024 * 1024).All(b => b == 0xA5), "the old pattern is gone although nothing discarded it");
        await engine.Engine.DeleteAsync(recreated.Id.ToString(), CancellationToken.None);
    }

    [Fact]
    public async Task Discard_ThinVolume_ThePoolsDataUsageGoesDown()
    {
        var lvm = LvmUnderTest.Cli(output);
        var filesystem = new LinuxFilesystemOps(LvmUnderTest.Runner(output), new LinuxFilesystemOpsOptions(), new TestOutputLogger<LinuxFilesystemOps>(output));
        await lvm.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = vg.VgName, Name = "discardpool", SizeBytes = 64 * MiB }, CancellationToken.None);
        var thin = await lvm.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = vg.VgName, Pool = "discardpool", Name = "thin", SizeBytes = 64 * MiB }, CancellationToken.None);
        try
        {
            await WritePatternAsync(thin.Path!, 32 * MiB);
            var written = (await lvm.GetLogicalVolumeAsync(vg.VgName, "discardpool", CancellationToken.None))!.DataPercent;

            var outcome = await filesystem.DiscardAsync(thin.Path!, CancellationToken.None);
            var discarded = (await lvm.GetLogicalVolumeAsync(vg.VgName, "discardpool", CancellationToken.None))!.DataPercent;

            output.WriteLine($"thin pool data: {written} % written, {discarded} % after the discard");
            Assert.Equal(DiscardOutcome.Discarded, outcome);
            Assert.True(written >= 45, $"{written} %");
            Assert.True(discarded < 5, $"{discarded} %");
        }
        finally
        {
            await Sh.RunAsync("lvremove", "--force", "--force", "--yes", $"{vg.VgName}/discardpool");
        }
    }

    /// <summary>Creates a volume, fills it with 0xA5, deletes it and creates another of the same size (on the one PV: the same extents).</summary>
    private static async Task<(ManagedVolume Old, ManagedVolume Recreated)> WriteDeleteRecreateAsync(EngineUnderTest engine, string name)
    {
        var spec = new CreateVolumeSpec { Name = name, RequiredBytes = 32 * MiB };
        var old = await engine.Engine.CreateAsync(spec, CancellationToken.None);
        await WritePatternAsync(old.DevicePath, old.CapacityBytes);
        await engine.Engine.DeleteAsync(old.Id.ToString(), CancellationToken.None);
        var recreated = await engine.Engine.CreateAsync(spec, CancellationToken.None);
        Assert.NotEqual(old.Id, recreated.Id);
        return (old, recreated);
    }

    private static async Task WritePatternAsync(string device, long bytes)
    {
        var chunk = Enumerable.Repeat((byte)0xA5, (int)MiB).ToArray();
        await using var stream = new FileStream(device, FileMode.Open, FileAccess.Write);
        for (long written = 0; written < bytes; written += chunk.Length)
        {
            await stream.WriteAsync(chunk);
        }

        await stream.FlushAsync();
        stream.Flush(flushToDisk: true);
    }

    private static async Task<byte[]> ReadAllAsync(string device, long bytes)
    {
        await File.WriteAllTextAsync("/proc/sys/vm/drop_caches", "3");
        var data = new byte[bytes];
        await using var stream = new FileStream(device, FileMode.Open, FileAccess.Read);
        await stream.ReadExactlyAsync(data);
        return data;
    }
}
