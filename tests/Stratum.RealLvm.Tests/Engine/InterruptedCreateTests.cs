using System.Globalization;
using Stratum.RealLvm.Tests.Harness;
using Stratum.Volumes;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Engine;

/// <summary>A single PV, so a new LV lands on the extents the last removed one had.</summary>
public sealed class OnePvFixture() : VolumeGroupFixture(pvCount: 1, pvSizeMiB: 256);

/// <summary>
/// An <c>lvcreate</c> that dies after committing its LV (tags included) but before wiping it: the
/// LV is Stratum's by its tags, and still shows what the extents held before. Issue #9 reproduced
/// it by killing lvcreate 1.2-2.6 s after its start; here it is made deterministic by delaying
/// every write to the PV's data area (its metadata area stays fast), so lvcreate commits its
/// metadata, activates the LV and then hangs on the wipe, where it is killed with SIGKILL while
/// the plugin "crashes" (<see cref="CrashableRunner"/>: nothing it does afterwards reaches LVM).
/// On the engine before issue #9's fix this test failed: the retry returned the half-made LV,
/// still carrying the deleted tenant's ext4.
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class InterruptedCreateTests(OnePvFixture vg, ITestOutputHelper output) : IClassFixture<OnePvFixture>
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task CreateVolume_RetryAfterLvcreateKilledBeforeTheWipe_NeverServesTheOldFilesystem()
    {
        // A deleted tenant's ext4 on the extents the new volume will get.
        await Sh.RunAsync("lvcreate", "--yes", "--name", "tenant", "--size", "64m", vg.VgName);
        await Sh.RunAsync("mkfs.ext4", "-q", $"/dev/{vg.VgName}/tenant");
        await Sh.RunAsync("lvremove", "--yes", $"{vg.VgName}/tenant");

        var spec = new CreateVolumeSpec { Name = "pvc-interrupted", RequiredBytes = 64 * MiB };
        string halfMade;
        var runner = new CrashableRunner(LvmUnderTest.Runner(output));
        await using (var first = await EngineUnderTest.StartAsync(vg.VgName, output, runner: runner))
        {
            var slow = await SlowDataWrites.ApplyAsync(vg.Slices[0]);
            var create = first.Engine.CreateAsync(spec, CancellationToken.None);
            var lvcreate = await WaitForWipeAsync(create);

            // The node goes down: the plugin dies with its lvcreate half-way through the wipe.
            runner.Crash();
            await Sh.RunAsync("kill", "-KILL", lvcreate.ToString(CultureInfo.InvariantCulture));
            await slow.DisposeAsync(); // the held writes fail: none of the wipe reaches the disk
            Assert.False(create.IsCompleted);

            // The precondition: LVM kept the LV with Stratum's tags, and the old filesystem on it
            // (the held writes failed; nothing of them may linger in the page cache either).
            await File.WriteAllTextAsync("/proc/sys/vm/drop_caches", "3");
            halfMade = Assert.Single(await OwnedLvsAsync());
            Assert.Equal("ext4", await SignatureAsync($"/dev/{vg.VgName}/{halfMade}"));
        }

        // The plugin restarts; the provisioner retries.
        await using var second = await EngineUnderTest.StartAsync(vg.VgName, output);
        var volume = await second.Engine.CreateAsync(spec, CancellationToken.None);

        Assert.Null(await SignatureAsync(volume.DevicePath));
        Assert.Equal(64 * MiB, volume.CapacityBytes);
        Assert.Single(await OwnedLvsAsync());
        await second.Engine.DeleteAsync(volume.Id.ToString(), CancellationToken.None);
    }

    /// <summary>Waits until lvcreate has activated the new LV and its writes are stuck; returns its pid.</summary>
    private async Task<int> WaitForWipeAsync(Task create)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (create.IsCompleted)
            {
                await create; // surfaces why it ended early
                Assert.Fail("lvcreate finished although every data write was delayed");
            }

            // Once lvcreate has activated the LV (its device-mapper device exists) it goes on to
            // wipe it, and those writes wait a minute: a few seconds later it is surely stuck there.
            var pid = LvcreatePid();
            if (pid is not null && HasLvDevice())
            {
                await Task.Delay(TimeSpan.FromSeconds(3));
                Assert.False(create.IsCompleted, "lvcreate finished although every data write was delayed");
                return pid.Value;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("lvcreate never got to writing the new LV");
    }

    private bool HasLvDevice() =>
        Directory.EnumerateDirectories("/sys/block", "dm-*")
            .Any(d => File.ReadAllText(Path.Combine(d, "dm", "name")).Trim().StartsWith($"{vg.VgName}-pvc--interrupted-", StringComparison.Ordinal));

    private static int? LvcreatePid()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (argv.Length > 1 && argv.Contains("lvcreate"))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
                // exited meanwhile
            }
        }

        return null;
    }

    private async Task<IReadOnlyList<string>> OwnedLvsAsync()
    {
        var lvs = await Sh.RunAsync("lvs", "--noheadings", "-o", "lv_name", "--select", "lv_tags={\"stratum/owner=lvm.stratum.dev\"}", vg.VgName);
        return lvs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The TYPE a low-level probe finds on the device, or null when it finds nothing.</summary>
    private static async Task<string?> SignatureAsync(string device)
    {
        var probe = await Sh.TryRunAsync("blkid", "-p", "-o", "value", "-s", "TYPE", device);
        if (probe.ExitCode == 2)
        {
            return null;
        }

        return probe.EnsureSuccess().Stdout.Trim();
    }
}
