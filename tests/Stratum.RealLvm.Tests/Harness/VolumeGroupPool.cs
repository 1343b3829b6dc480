namespace Stratum.RealLvm.Tests.Harness;

/// <summary>
/// An empty VG per test (the ILvm contract suite asks for a fresh one in every test) for one LVM
/// command per test. Every LVM command costs about a second under the testbed's emulated CPU, and
/// a VG made from nothing and torn down again (slices, pvcreate, vgcreate, vgremove, pvremove)
/// costs several, so VGs are reused: a VG handed back is emptied with a single
/// <c>lvremove --force --force &lt;vg&gt;</c>, which removes every LV in it, hidden ones such as a
/// pool's metadata spare included (measured: the VG then reports all extents free). Only VGs whose
/// PVs may have changed are not reused: those that got spare devices, and those lvremove failed
/// on; they are destroyed. Nothing else a test can do through ILvm changes a VG (VG tags and new
/// PVs only come with vgcreate/vgextend). Not thread-safe: the suite runs one test at a time.
/// </summary>
public sealed class VolumeGroupPool(string namePrefix) : IAsyncLifetime
{
    private readonly List<PooledVolumeGroup> _idle = [];
    private readonly List<PooledVolumeGroup> _busy = [];
    private int _counter;

    /// <summary>VGs created and destroyed, and times one was reused, so far (for the log).</summary>
    public (int Created, int Destroyed, int Reused) Counts { get; private set; }

    /// <summary>An empty VG on PVs of exactly these sizes (each rounded up to whole MiB).</summary>
    public async Task<PooledVolumeGroup> AcquireAsync(IReadOnlyList<long> pvSizes)
    {
        Testbed.Require();
        var vg = _idle.FirstOrDefault(v => v.PvSizes.SequenceEqual(pvSizes));
        if (vg is not null)
        {
            _idle.Remove(vg);
            Counts = Counts with { Reused = Counts.Reused + 1 };
        }
        else
        {
            vg = await CreateAsync(pvSizes);
        }

        _busy.Add(vg);
        return vg;
    }

    /// <summary>Blank devices (not PVs) of these sizes; give them back with <see cref="ReturnAsync"/>.</summary>
    public async Task<IReadOnlyList<DiskSlice>> AllocateSparesAsync(IReadOnlyList<long> sizes)
    {
        var spares = new List<DiskSlice>();
        foreach (var size in sizes)
        {
            spares.AddRange(await DiskPool.Shared.AllocateAsync(1, size, $"{namePrefix} spare"));
        }

        return spares;
    }

    /// <summary>
    /// Takes VGs and spare devices back after a test: empties the VGs for reuse, or destroys them
    /// when spares came with them (a spare may have joined one); wipes the spares (which may have
    /// become PVs) and releases them.
    /// </summary>
    public async Task ReturnAsync(IReadOnlyList<PooledVolumeGroup> vgs, IReadOnlyList<DiskSlice> spares)
    {
        var problems = new List<Exception>();
        var toReuse = spares.Count == 0 ? vgs : [];
        if (toReuse.Count > 0)
        {
            var emptied = await Sh.TryRunAsync("lvremove", ["--force", "--force", "--yes", .. toReuse.Select(vg => vg.Name)]);
            if (!emptied.Succeeded)
            {
                problems.Add(new CommandFailedException(emptied));
                toReuse = [];
            }
        }

        foreach (var vg in vgs)
        {
            _busy.Remove(vg);
            if (toReuse.Contains(vg))
            {
                _idle.Add(vg);
            }
            else
            {
                await CollectAsync(problems, () => DestroyAsync(vg));
            }
        }

        foreach (var spare in spares)
        {
            await CollectAsync(problems, () => WipeAndReleaseAsync(spare));
        }

        if (problems.Count > 0)
        {
            throw new AggregateException("giving test VGs and devices back failed", problems);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Destroys every VG of the pool.</summary>
    public async Task DisposeAsync()
    {
        var problems = new List<Exception>();
        foreach (var vg in _idle.Concat(_busy).ToList())
        {
            await CollectAsync(problems, () => DestroyAsync(vg));
        }

        _idle.Clear();
        _busy.Clear();
        if (problems.Count > 0)
        {
            throw new AggregateException($"destroying the {namePrefix}* VGs failed", problems);
        }
    }

    private async Task<PooledVolumeGroup> CreateAsync(IReadOnlyList<long> pvSizes)
    {
        var name = $"{namePrefix}{++_counter}";
        var slices = new List<DiskSlice>();
        try
        {
            // One request per size, so equal PVs are spread over different disks.
            foreach (var group in pvSizes.GroupBy(s => s))
            {
                slices.AddRange(await DiskPool.Shared.AllocateAsync(group.Count(), group.Key, name));
            }

            // vgcreate initialises the blank slices as PVs itself: one command, not two.
            await Sh.RunAsync("vgcreate", [name, .. slices.Select(s => s.DevicePath)]);
        }
        catch
        {
            foreach (var slice in slices)
            {
                await WipeAndReleaseAsync(slice);
            }

            throw;
        }

        Counts = Counts with { Created = Counts.Created + 1 };
        return new PooledVolumeGroup(name, [.. pvSizes], slices);
    }

    private async Task DestroyAsync(PooledVolumeGroup vg)
    {
        Counts = Counts with { Destroyed = Counts.Destroyed + 1 };
        if ((await Sh.TryRunAsync("vgs", vg.Name)).Succeeded)
        {
            await Sh.RunAsync("vgremove", "--force", "--force", "--yes", vg.Name);
        }

        var problems = new List<Exception>();
        foreach (var slice in vg.Slices)
        {
            await CollectAsync(problems, () => WipeAndReleaseAsync(slice));
        }

        if (problems.Count > 0)
        {
            throw new AggregateException($"destroying {vg.Name} failed", problems);
        }
    }

    /// <summary>Wipes the PV label (if any) and gives the slice back to the disk pool.</summary>
    private static async Task WipeAndReleaseAsync(DiskSlice slice)
    {
        if ((await Sh.TryRunAsync("pvs", slice.DevicePath)).Succeeded)
        {
            await Sh.RunAsync("pvremove", "--force", "--force", "--yes", slice.DevicePath);
        }

        await DiskPool.Shared.ReleaseAsync(slice);
    }

    private static async Task CollectAsync(List<Exception> problems, Func<Task> step)
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
}

/// <summary>A VG of a <see cref="VolumeGroupPool"/>.</summary>
public sealed class PooledVolumeGroup(string name, IReadOnlyList<long> pvSizes, IReadOnlyList<DiskSlice> slices)
{
    public string Name { get; } = name;

    public IReadOnlyList<long> PvSizes { get; } = pvSizes;

    public IReadOnlyList<DiskSlice> Slices { get; } = slices;

    public IReadOnlyList<string> PvPaths => [.. Slices.Select(s => s.DevicePath)];
}
