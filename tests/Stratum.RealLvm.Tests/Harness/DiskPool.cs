namespace Stratum.RealLvm.Tests.Harness;

/// <summary>
/// One piece of a testbed disk, exposed as its own block device through a device-mapper
/// "linear" target: /dev/mapper/&lt;Name&gt;. Tests use slices as PVs. Because a slice is a dm
/// device, a test can later swap its table (error, flakey, delay) to inject disk faults.
/// </summary>
public sealed record DiskSlice(string Name, string Disk, long StartSector, long SectorCount)
{
    public string DevicePath => $"/dev/mapper/{Name}";

    public long SizeBytes => SectorCount * 512;

    /// <summary>The device-mapper table that maps this slice onto its disk.</summary>
    public string LinearTable => $"0 {SectorCount} linear {Disk} {StartSector}";
}

/// <summary>
/// Hands out slices of the testbed's blank disks (all but <see cref="Testbed.WholeDisks"/>), without partitions: each slice is a dm
/// linear mapping of a 1 MiB-aligned range. The first MiB of every disk is never handed out,
/// so a whole disk never looks like a PV itself. Slices of one request go to different disks
/// where possible (so striped and raid LVs are meaningful). Allocation never blocks: when the
/// disks are full it fails with a message that says so. Thread-safe; one test process per VM
/// (a lock file under /run enforces it).
/// </summary>
public sealed class DiskPool
{
    private const long SectorsPerMiB = 2048;

    private static readonly Lazy<DiskPool> SharedPool = new(() => new DiskPool(Testbed.SliceDisks));

    private readonly object _gate = new();
    private readonly Dictionary<string, List<(long Start, long Count)>> _free = [];
    private readonly Dictionary<string, (DiskSlice Slice, string Owner)> _inUse = [];
    private readonly IReadOnlyList<string> _disks;
    private readonly FileStream _processLock;

    /// <summary>The pool over STRATUM_TESTBED_DISKS. Throws outside the testbed.</summary>
    public static DiskPool Shared
    {
        get
        {
            Testbed.Require();
            return SharedPool.Value;
        }
    }

    private DiskPool(IReadOnlyList<string> disks)
    {
        try
        {
            _processLock = new FileStream(
                "/run/stratum-real-lvm-tests.lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException(
                "another real-LVM test process already uses this testbed's disks", e);
        }

        _disks = disks;
        foreach (var disk in disks)
        {
            var name = Path.GetFileName(disk);
            var holders = Directory.GetFileSystemEntries($"/sys/class/block/{name}/holders");
            if (holders.Length > 0)
            {
                throw new InvalidOperationException(
                    $"{disk} is not blank: held by {string.Join(", ", holders.Select(Path.GetFileName))}. "
                    + "The real-LVM tests expect the fresh disks of a new testbed boot.");
            }
            var sectors = long.Parse(File.ReadAllText($"/sys/class/block/{name}/size").Trim());
            var usable = sectors / SectorsPerMiB * SectorsPerMiB - SectorsPerMiB;
            _free[disk] = usable > 0 ? [(SectorsPerMiB, usable)] : [];
        }
    }

    /// <summary>Free space left, in bytes, per disk.</summary>
    public IReadOnlyDictionary<string, long> FreeBytes
    {
        get
        {
            lock (_gate)
            {
                return _free.ToDictionary(d => d.Key, d => d.Value.Sum(r => r.Count) * 512);
            }
        }
    }

    /// <summary>
    /// Creates <paramref name="count"/> slices of at least <paramref name="sizeBytes"/> each
    /// (rounded up to whole MiB), zeroes their first MiB, and returns them. <paramref name="owner"/>
    /// only labels them in error messages.
    /// </summary>
    public async Task<IReadOnlyList<DiskSlice>> AllocateAsync(int count, long sizeBytes, string owner)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeBytes);
        var sectors = (sizeBytes + SectorsPerMiB * 512 - 1) / (SectorsPerMiB * 512) * SectorsPerMiB;

        var reserved = Reserve(count, sectors, owner);
        var created = new List<DiskSlice>();
        try
        {
            foreach (var slice in reserved)
            {
                await Sh.RunAsync("dmsetup", "create", slice.Name, "--table", slice.LinearTable);
                created.Add(slice);
                await ZeroStartAsync(slice);
            }
            return reserved;
        }
        catch
        {
            foreach (var slice in created)
            {
                await Sh.TryRunAsync("dmsetup", "remove", "--retry", slice.Name);
            }
            Unreserve(reserved);
            throw;
        }
    }

    /// <summary>
    /// Removes a slice's dm device and returns its range to the pool. The slice must no longer
    /// be in use (no PV in a VG, nothing mounted).
    /// </summary>
    public async Task ReleaseAsync(DiskSlice slice)
    {
        var removed = await Sh.TryRunAsync("dmsetup", "remove", "--retry", slice.Name);
        if (!removed.Succeeded && File.Exists(slice.DevicePath))
        {
            throw new CommandFailedException(removed);  // still there: keep its range reserved
        }
        Unreserve([slice]);
    }

    private List<DiskSlice> Reserve(int count, long sectors, string owner)
    {
        lock (_gate)
        {
            var picked = new List<DiskSlice>();
            for (var i = 0; i < count; i++)
            {
                var used = picked.Select(s => s.Disk).ToHashSet();
                // Prefer a disk this request has not used yet, then the one with most room.
                var choice = _disks
                    .Select(d => (Disk: d, Range: _free[d].FirstOrDefault(r => r.Count >= sectors)))
                    .Where(c => c.Range.Count > 0)
                    .OrderBy(c => used.Contains(c.Disk))
                    .ThenByDescending(c => _free[c.Disk].Sum(r => r.Count))
                    .FirstOrDefault();
                if (choice.Disk is null)
                {
                    Unreserve(picked);
                    throw new InvalidOperationException(
                        $"{owner} wants {count} slices of {sectors / SectorsPerMiB} MiB but the testbed disks "
                        + $"are too full; free: {Describe(FreeBytesLocked())}; in use: "
                        + $"{string.Join(", ", _inUse.Values.Select(u => $"{u.Slice.Name} ({u.Owner})"))}. "
                        + "Boot the testbed with more or bigger disks (--disks, --disk-size).");
                }
                var free = _free[choice.Disk];
                var index = free.IndexOf(choice.Range);
                free[index] = (choice.Range.Start + sectors, choice.Range.Count - sectors);
                if (free[index].Count == 0)
                {
                    free.RemoveAt(index);
                }
                var slice = new DiskSlice(
                    $"tbslice_{Path.GetFileName(choice.Disk)}_{choice.Range.Start / SectorsPerMiB}",
                    choice.Disk, choice.Range.Start, sectors);
                _inUse[slice.Name] = (slice, owner);
                picked.Add(slice);
            }
            return picked;
        }
    }

    private void Unreserve(IEnumerable<DiskSlice> slices)
    {
        lock (_gate)
        {
            foreach (var slice in slices)
            {
                _inUse.Remove(slice.Name);
                var free = _free[slice.Disk];
                free.Add((slice.StartSector, slice.SectorCount));
                free.Sort();
                for (var i = free.Count - 1; i > 0; i--)  // merge neighbours
                {
                    if (free[i - 1].Start + free[i - 1].Count == free[i].Start)
                    {
                        free[i - 1] = (free[i - 1].Start, free[i - 1].Count + free[i].Count);
                        free.RemoveAt(i);
                    }
                }
            }
        }
    }

    private Dictionary<string, long> FreeBytesLocked() =>
        _free.ToDictionary(d => d.Key, d => d.Value.Sum(r => r.Count) * 512);

    private static string Describe(Dictionary<string, long> free) =>
        string.Join(", ", free.Select(f => $"{f.Key} {f.Value / (1024 * 1024)} MiB"));

    /// <summary>Wipes whatever an earlier user of the same range left at its start (labels).</summary>
    private static async Task ZeroStartAsync(DiskSlice slice)
    {
        await using var device = new FileStream(slice.DevicePath, FileMode.Open, FileAccess.Write);
        await device.WriteAsync(new byte[(int)Math.Min(slice.SizeBytes, SectorsPerMiB * 512)]);
        await device.FlushAsync();
        device.Flush(flushToDisk: true);
    }
}
