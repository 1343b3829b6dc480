namespace Stratum.RealLvm.Tests.Harness;

/// <summary>
/// A fresh volume group of its own for one test class: PVs on new <see cref="DiskSlice"/>s,
/// a unique VG name, and a teardown that leaves the disks as it found them (unmounts what is
/// mounted from the VG, removes the VG, its PVs and slices). Use it as
/// <c>IClassFixture&lt;VolumeGroupFixture&gt;</c>; for another shape derive from it:
/// <code>public sealed class ThreePvs() : VolumeGroupFixture(pvCount: 3, pvSizeMiB: 512);</code>
/// (xunit wants one public constructor per fixture, hence the protected one.)
/// </summary>
public class VolumeGroupFixture : IAsyncLifetime
{
    private static int s_counter;

    private IReadOnlyList<DiskSlice> _slices = [];

    /// <summary>Two PVs of 1 GiB each.</summary>
    public VolumeGroupFixture()
        : this(pvCount: 2, pvSizeMiB: 1024)
    {
    }

    protected VolumeGroupFixture(int pvCount, int pvSizeMiB)
    {
        PvCount = pvCount;
        PvSizeBytes = pvSizeMiB * 1024L * 1024;
    }

    /// <summary>This fixture's VG: tbvg1, tbvg2, ... (unique within the test process).</summary>
    public string VgName { get; } = $"tbvg{Interlocked.Increment(ref s_counter)}";

    /// <summary>The PVs' device paths, in the order they joined the VG.</summary>
    public IReadOnlyList<string> PvPaths => _slices.Select(s => s.DevicePath).ToList();

    /// <summary>The slices under the PVs (to inject faults by swapping their dm tables).</summary>
    public IReadOnlyList<DiskSlice> Slices => _slices;

    public int PvCount { get; }

    public long PvSizeBytes { get; }

    public async Task InitializeAsync()
    {
        Testbed.Require();
        _slices = await DiskPool.Shared.AllocateAsync(PvCount, PvSizeBytes, $"{GetType().Name} {VgName}");
        try
        {
            // vgcreate initialises the blank slices as PVs itself (every LVM command costs ~1 s here).
            await Sh.RunAsync("vgcreate", [VgName, .. PvPaths]);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        var problems = new List<Exception>();
        async Task Step(Func<Task> step)
        {
            try
            {
                await step();
            }
            catch (Exception e)
            {
                problems.Add(e);
            }
        }

        await Step(UnmountVolumeGroupAsync);
        // One vgremove and one pvremove when all goes well; a failure only counts if the VG or a
        // PV is really still there (a test may have removed them itself).
        await Step(async () =>
        {
            var removed = await Sh.TryRunAsync("vgremove", "--force", "--force", "--yes", VgName);
            if (!removed.Succeeded && (await Sh.TryRunAsync("vgs", VgName)).Succeeded)
            {
                throw new CommandFailedException(removed);
            }
        });
        if (_slices.Count > 0
            && !(await Sh.TryRunAsync("pvremove", ["--force", "--force", "--yes", .. PvPaths])).Succeeded)
        {
            foreach (var slice in _slices)
            {
                await Step(async () =>
                {
                    if ((await Sh.TryRunAsync("pvs", slice.DevicePath)).Succeeded)
                    {
                        await Sh.RunAsync("pvremove", "--force", "--force", "--yes", slice.DevicePath);
                    }
                });
            }
        }
        foreach (var slice in _slices)
        {
            await Step(() => DiskPool.Shared.ReleaseAsync(slice));
        }
        _slices = [];
        if (problems.Count > 0)
        {
            throw new AggregateException($"cleaning up {VgName} failed", problems);
        }
    }

    /// <summary>Unmounts everything mounted from this VG's LVs, deepest mount point first.</summary>
    private async Task UnmountVolumeGroupAsync()
    {
        // The VG's dm devices, by major:minor (whatever name a test mounted them by).
        var dmPrefix = $"{VgName.Replace("-", "--")}-";
        var devices = Directory.GetFileSystemEntries("/sys/block", "dm-*")
            .Where(d => File.ReadAllText(Path.Combine(d, "dm", "name")).Trim().StartsWith(dmPrefix, StringComparison.Ordinal))
            .Select(d => File.ReadAllText(Path.Combine(d, "dev")).Trim())
            .ToHashSet();
        var mountPoints = File.ReadAllLines("/proc/self/mountinfo")
            .Select(line => line.Split(' '))
            .Where(f => devices.Contains(f[2]))
            .Select(f => Unescape(f[4]))
            .OrderByDescending(p => p.Length);
        foreach (var mountPoint in mountPoints)
        {
            await Sh.RunAsync("umount", "--lazy", mountPoint);
        }
    }

    private static string Unescape(string field) =>
        System.Text.RegularExpressions.Regex.Replace(
            field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());
}
