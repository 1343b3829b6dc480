namespace Stratum.Testing.Lvm;

/// <summary>
/// Plans extent allocations on a VG's PVs against a private copy of their free counts, so a
/// request that needs several areas (pool data + tmeta + pmspare, raid images) either gets all of
/// them or changes nothing. <see cref="Commit"/> writes the counts back.
/// </summary>
internal sealed class Allocator(SimVg vg)
{
    private readonly Dictionary<SimPv, long> _free = vg.Pvs.ToDictionary(pv => pv, pv => pv.FreeExtents);

    /// <summary>
    /// <paramref name="extents"/> from the candidates in order, spilling onto the next PV when one
    /// fills up; with <paramref name="contiguous"/>, from one PV only. <c>null</c> when impossible.
    /// </summary>
    public List<SimExtents>? Linear(long extents, bool contiguous, IEnumerable<SimPv> candidates)
    {
        var pvs = candidates.Distinct().ToList();
        if (contiguous)
        {
            var single = pvs.FirstOrDefault(pv => _free[pv] >= extents);
            if (single is null)
            {
                return null;
            }

            _free[single] -= extents;
            return [new SimExtents(single, extents)];
        }

        if (pvs.Sum(pv => _free[pv]) < extents)
        {
            return null;
        }

        var areas = new List<SimExtents>();
        var remaining = extents;
        foreach (var pv in pvs)
        {
            if (remaining == 0)
            {
                break;
            }

            var take = Math.Min(_free[pv], remaining);
            if (take > 0)
            {
                _free[pv] -= take;
                areas.Add(new SimExtents(pv, take));
                remaining -= take;
            }
        }

        return areas;
    }

    /// <summary>
    /// <paramref name="count"/> areas of <paramref name="perArea"/> extents on distinct PVs (stripes,
    /// raid images), the first suitable PVs in order. <c>null</c> when fewer PVs have room.
    /// </summary>
    public List<SimExtents>? Parallel(int count, long perArea, IEnumerable<SimPv> candidates)
    {
        var chosen = candidates.Where(pv => _free[pv] >= perArea).Take(count).ToList();
        if (chosen.Count < count)
        {
            return null;
        }

        foreach (var pv in chosen)
        {
            _free[pv] -= perArea;
        }

        return [.. chosen.Select(pv => new SimExtents(pv, perArea))];
    }

    /// <summary>Applies the planned allocations to the PVs.</summary>
    public void Commit()
    {
        foreach (var (pv, free) in _free)
        {
            pv.FreeExtents = free;
        }
    }
}
