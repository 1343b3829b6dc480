using System.Globalization;
using System.Text.RegularExpressions;
using Stratum.RealLvm.Tests.Harness;
using Stratum.Volumes;
using Stratum.Volumes.IoLimits;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Engine;

/// <summary>
/// IO limits on real cgroup v2 and a real LV: a process in a pod-like cgroup (kubelet's systemd
/// layout) writing to the published volume is held to the configured bytes/s and IOPS (within
/// 15 %); ControllerModifyVolume's change reaches the same pod at once; unpublish lifts the
/// limits. The LV is given minor 1000, so its device number is one that <c>rdev / 256</c> would
/// get wrong: the kernel accepts the io.max line and the measured rates hold only if the number
/// is right.
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed partial class IoLimitRealTests(VolumeGroupFixture vg, ITestOutputHelper output) : IClassFixture<VolumeGroupFixture>, IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private const string CgroupRoot = "/sys/fs/cgroup";
    private const double Tolerance = 0.15;

    private readonly string _uid = Guid.NewGuid().ToString();
    private readonly string _work = Path.Combine("/run", "stratum-io-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<string> _cgroups = [];

    private string Container => _cgroups[^1];

    private string Pod => _cgroups[^2];

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);

        // kubelet's systemd layout, with the io controller enabled down to the pod, and one
        // container in the pod (processes live in leaves only).
        EnableIo(CgroupRoot);
        var dir = CgroupRoot;
        foreach (var name in new[] { "kubepods.slice", "kubepods-burstable.slice", $"kubepods-burstable-pod{_uid.Replace('-', '_')}.slice", "cri-containerd-test.scope" })
        {
            dir = Path.Combine(dir, name);
            Directory.CreateDirectory(dir);
            _cgroups.Add(dir);
            if (!name.EndsWith(".scope", StringComparison.Ordinal))
            {
                EnableIo(dir);
            }
        }

        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var mount in File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m.StartsWith(_work, StringComparison.Ordinal)).Reverse())
        {
            await Sh.TryRunAsync("umount", mount);
        }

        Directory.Delete(_work, recursive: true);
        foreach (var dir in Enumerable.Reverse(_cgroups))
        {
            Directory.Delete(dir); // rmdir: a cgroup has no files of its own to remove
        }
    }

    [Fact]
    public async Task PublishedWithLimits_HeldToThem_ModifyChangesThemLive_UnpublishLiftsThem_MinorAbove255()
    {
        await using var engine = await EngineUnderTest.StartAsync(vg.VgName, output, cgroupRoot: CgroupRoot);
        var limits = Limits(("writeBytesPerSecond", "2Mi"), ("writeIOPS", "40"));
        var volume = await engine.Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-io", RequiredBytes = 64 * MiB, IoLimits = limits }, CancellationToken.None);
        var id = volume.Id.ToString();

        // Give the LV a device number whose minor does not fit in 8 bits.
        var lv = $"{volume.Lv.VolumeGroup}/{volume.Lv.Name}";
        var major = File.ReadAllLines("/proc/devices").Select(l => l.Trim().Split(' ')).Single(p => p.Length == 2 && p[1] == "device-mapper")[0];
        await Sh.RunAsync("lvchange", "-an", lv);
        await Sh.RunAsync("lvchange", "-y", "--persistent", "y", "--major", major, "--minor", "1000", lv);

        var staging = Path.Combine(_work, "staging");
        var target = Path.Combine(_work, "plugins", "kubernetes.io", "csi", "volumeDevices", "publish", "pvc-io", _uid);
        await engine.Node.StageAsync(new StageSpec(id, staging, true, null, []), CancellationToken.None);
        await engine.Node.PublishAsync(new PublishSpec(id, staging, target, true, false, _uid), CancellationToken.None);

        var device = (await Sh.RunAsync("stat", "-L", "-c", "%t:%T", volume.DevicePath)).Stdout.Trim().Split(':');
        var number = $"{Convert.ToUInt32(device[0], 16)}:{Convert.ToUInt32(device[1], 16)}";
        var ioMax = await File.ReadAllTextAsync(Path.Combine(Pod, "io.max"));
        output.WriteLine($"LV {volume.DevicePath} is {number}; pod io.max: {ioMax.Trim()}");
        Assert.Equal($"{major}:1000", number);
        Assert.Contains($"{number} rbps=max wbps=2097152 riops=max wiops=40", ioMax, StringComparison.Ordinal);

        // Held to 2 MiB/s and 40 IOPS.
        var bps = await WriteRateAsync(target, "256k", 24);
        var iops = await IopsAsync(target, 100);
        AssertWithin(2 * MiB, bps, "bytes/s");
        AssertWithin(40, iops, "IOPS");

        // A modify reaches the running pod at once: now 4 MiB/s and 80 IOPS.
        await engine.Node.ModifyAsync(id, Limits(("writeBytesPerSecond", "4Mi"), ("writeIOPS", "80")), CancellationToken.None);
        Assert.Contains($"{number} rbps=max wbps=4194304 riops=max wiops=80", await File.ReadAllTextAsync(Path.Combine(Pod, "io.max")), StringComparison.Ordinal);
        AssertWithin(4 * MiB, await WriteRateAsync(target, "256k", 48), "bytes/s after modify");
        AssertWithin(80, await IopsAsync(target, 200), "IOPS after modify");

        // Unpublish lifts them: the kernel drops the line, and the same writes run unthrottled.
        await engine.Node.UnpublishAsync(id, target, CancellationToken.None);
        Assert.DoesNotContain(number, await File.ReadAllTextAsync(Path.Combine(Pod, "io.max")), StringComparison.Ordinal);
        var free = await WriteRateAsync(volume.DevicePath, "256k", 48);
        output.WriteLine($"after unpublish: {free / MiB:0.0} MiB/s");
        Assert.True(free > 2 * 4 * MiB, $"after unpublish the writes still look throttled: {free / MiB:0.0} MiB/s");

        await engine.Node.UnstageAsync(id, staging, CancellationToken.None);
        await engine.Engine.DeleteAsync(id, CancellationToken.None);
    }

    private static IoLimitSettings Limits(params (string Key, string Value)[] parameters) =>
        IoLimitSettings.Parse(parameters.Select(p => KeyValuePair.Create(p.Key, p.Value)));

    private static void EnableIo(string cgroup) => File.WriteAllText(Path.Combine(cgroup, "cgroup.subtree_control"), "+io");

    private void AssertWithin(double expected, double measured, string what)
    {
        output.WriteLine($"{what}: expected {expected:0}, measured {measured:0} ({(measured / expected) - 1:+0.0%;-0.0%})");
        Assert.InRange(measured, expected * (1 - Tolerance), expected * (1 + Tolerance));
    }

    /// <summary>Bytes per second of <c>dd oflag=direct</c> run inside the pod's container cgroup, as dd times itself.</summary>
    private async Task<double> WriteRateAsync(string device, string blockSize, int count)
    {
        var (bytes, seconds) = await DdAsync(device, blockSize, count);
        return bytes / seconds;
    }

    private async Task<double> IopsAsync(string device, int count)
    {
        var (_, seconds) = await DdAsync(device, "4k", count);
        return count / seconds;
    }

    private async Task<(long Bytes, double Seconds)> DdAsync(string device, string blockSize, int count)
    {
        var result = await Sh.RunAsync("sh", "-c",
            $"echo $$ > {Container}/cgroup.procs && exec dd if=/dev/zero of={device} bs={blockSize} count={count} oflag=direct conv=notrunc");
        var match = DdSummary().Match(result.Stderr);
        Assert.True(match.Success, $"dd said: {result.Stderr}");
        return (long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^(\d+) bytes .* copied, ([0-9.]+) s", RegexOptions.Multiline)]
    private static partial Regex DdSummary();
}
