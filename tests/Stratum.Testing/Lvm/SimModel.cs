using Stratum.Lvm;

namespace Stratum.Testing.Lvm;

/// <summary>A block device the simulator knows about (what <c>pvcreate</c> could be pointed at).</summary>
internal sealed class SimDevice(string path, long sizeBytes, string? signature)
{
    public string Path { get; } = path;

    public long SizeBytes { get; } = sizeBytes;

    /// <summary>A filesystem or other signature on the device (e.g. <c>ext4</c>); LVM refuses to wipe it.</summary>
    public string? Signature { get; set; } = signature;

    public SimPv? Pv { get; set; }
}

/// <summary>A PV: an initialised device, orphan or in a VG, with per-PV extent accounting.</summary>
internal sealed class SimPv(SimDevice device, string uuid)
{
    public SimDevice Device { get; } = device;

    public string Uuid { get; } = uuid;

    public SimVg? Vg { get; set; }

    public long ExtentCount { get; set; }

    public long FreeExtents { get; set; }
}

/// <summary>A VG: ordered PVs and LVs by name (visible and hidden).</summary>
internal sealed class SimVg(string name, string uuid, long extentSize, TagSet tags)
{
    public string Name { get; } = name;

    public string Uuid { get; } = uuid;

    public long ExtentSize { get; } = extentSize;

    public TagSet Tags { get; set; } = tags;

    public List<SimPv> Pvs { get; } = [];

    public SortedDictionary<string, SimLv> Lvs { get; } = new(StringComparer.Ordinal);

    public long ExtentCount => Pvs.Sum(pv => pv.ExtentCount);

    public long FreeExtents => Pvs.Sum(pv => pv.FreeExtents);

    public IEnumerable<SimLv> VisibleLvs => Lvs.Values.Where(lv => !lv.IsHidden);

    public SimLv? FindVisible(string name) => Lvs.TryGetValue(name, out var lv) && !lv.IsHidden ? lv : null;
}

internal enum SimLvKind
{
    Linear,
    Striped,
    Raid1,
    ThinPool,
    Thin,
    Cow,

    /// <summary>The hidden <c>[lvol0_pmspare]</c> LV LVM keeps beside thin pools.</summary>
    PoolMetadataSpare,
}

/// <summary>Extents taken from one PV.</summary>
internal readonly record struct SimExtents(SimPv Pv, long Count);

/// <summary>An LV and everything the reports and the rules need about it.</summary>
internal sealed class SimLv(SimVg vg, string name, string uuid, SimLvKind kind)
{
    public SimVg Vg { get; } = vg;

    public string Name { get; } = name;

    public string Uuid { get; } = uuid;

    public SimLvKind Kind { get; } = kind;

    /// <summary>Logical size in extents: virtual size for thin volumes, data size for pools, COW size for snapshots.</summary>
    public long Extents { get; set; }

    /// <summary>Every extent the LV holds on PVs (data, raid images and rmeta, pool tmeta).</summary>
    public List<SimExtents> Allocations { get; } = [];

    /// <summary>Per raid image: the PVs holding it (an image never shares a PV with another image).</summary>
    public List<HashSet<SimPv>> RaidImages { get; } = [];

    /// <summary>Pool metadata (tmeta) size in extents.</summary>
    public long MetadataExtents { get; set; }

    /// <summary>Stripes (striped), images (raid1), 1 (linear, cow, pool), 0 (thin).</summary>
    public int Stripes { get; set; } = 1;

    /// <summary>raid1 created with <c>--nosync</c> (attr <c>R</c>).</summary>
    public bool NotSynced { get; set; }

    /// <summary>Allocation policy letter of lv_attr (<c>i</c> inherit, <c>c</c> contiguous, ...).</summary>
    public char AllocationPolicy { get; set; } = 'i';

    public TagSet Tags { get; set; } = TagSet.Empty;

    public bool Active { get; set; }

    public bool ActivationSkip { get; set; }

    /// <summary>Test control: the device is suspended, as an LVM command killed half-way leaves it (attr character 5 <c>s</c>).</summary>
    public bool Suspended { get; set; }

    /// <summary>Test control: the device is held open (by a process, say).</summary>
    public bool ForcedOpen { get; set; }

    public string? Origin { get; set; }

    public string? Pool { get; set; }

    public string? HealthStatus { get; set; }

    public double? DataPercent { get; set; }

    public double? MetadataPercent { get; set; }

    /// <summary>Synthetic device-mapper minor while active and not loop-backed.</summary>
    public int? DmMinor { get; set; }

    /// <summary>Backing file (device backing only; not for pools).</summary>
    public string? BackingFile { get; set; }

    /// <summary>Attached loop device, e.g. <c>/dev/loop7</c>, while active (device backing only).</summary>
    public string? LoopDevice { get; set; }

    public int? LoopMajor { get; set; }

    public int? LoopMinor { get; set; }

    public bool IsHidden => Kind == SimLvKind.PoolMetadataSpare;

    public bool IsThinPool => Kind == SimLvKind.ThinPool;

    public bool IsThin => Kind == SimLvKind.Thin;

    public bool IsCow => Kind == SimLvKind.Cow;

    public string FullName => $"{Vg.Name}/{Name}";

    public long SizeBytes => Extents * Vg.ExtentSize;

    /// <summary>Size of the block device (a COW snapshot shows its origin's content, not its COW size).</summary>
    public long DeviceSizeBytes(SimLv? origin) => IsCow && origin is not null ? origin.SizeBytes : SizeBytes;

    /// <summary>COW snapshots of this LV.</summary>
    public IEnumerable<SimLv> CowSnapshots => Vg.Lvs.Values.Where(lv => lv.IsCow && lv.Origin == Name);

    /// <summary>Thin volumes of this pool.</summary>
    public IEnumerable<SimLv> ThinVolumes => Vg.Lvs.Values.Where(lv => lv.IsThin && lv.Pool == Name);

    public bool IsOrigin => CowSnapshots.Any();
}
