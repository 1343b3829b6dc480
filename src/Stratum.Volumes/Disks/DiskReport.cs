namespace Stratum.Volumes.Disks;

/// <summary>Where a disk matched by a class's <c>devices</c> stands.</summary>
public enum DiskState
{
    /// <summary>Already a physical volume of its volume group.</summary>
    Member,

    /// <summary>Blank, and added to its volume group by this scan.</summary>
    Claimed,

    /// <summary>Not blank or not safe to use; left untouched (the reason says why).</summary>
    Refused,

    /// <summary>Blank, but adding it failed (the reason has LVM's answer); retried at the next scan.</summary>
    Failed,

    /// <summary>A physical volume of the volume group that LVM cannot find.</summary>
    Missing,
}

/// <summary>One disk's outcome of a scan.</summary>
/// <param name="Path">The path a pattern matched (or LVM's name for a PV no pattern matches).</param>
/// <param name="Device">The kernel's name, e.g. <c>vdb</c> or <c>dm-2 (slice)</c>; empty for a missing PV.</param>
public sealed record DiskStatus(string Path, string Device, long SizeBytes, string VolumeGroup, DiskState State, string? Reason);

/// <summary>What a scan did about one thin pool.</summary>
public enum PoolState
{
    /// <summary>There, as configured.</summary>
    Present,

    Created,

    Grown,

    /// <summary>Not created or grown yet: the volume group is missing or has too little free space.</summary>
    Waiting,

    /// <summary>LVM refused; retried at the next scan.</summary>
    Failed,
}

public sealed record PoolStatus(string Name, PoolState State, long? DataBytes, string? Reason);

/// <summary>One managed volume group after a scan.</summary>
public sealed record VolumeGroupStatus(string Name, bool Exists, long SizeBytes, long FreeBytes, IReadOnlyList<PoolStatus> Pools);

/// <summary>The outcome of one disk scan: every matched disk and every managed volume group.</summary>
public sealed record DiskReport(DateTimeOffset At, IReadOnlyList<DiskStatus> Disks, IReadOnlyList<VolumeGroupStatus> VolumeGroups)
{
    public static DiskReport Empty { get; } = new(DateTimeOffset.MinValue, [], []);

    /// <summary>Whether the scan changed anything (a disk joined, a pool was created or grown).</summary>
    public bool Changed =>
        Disks.Any(d => d.State == DiskState.Claimed) || VolumeGroups.Any(g => g.Pools.Any(p => p.State is PoolState.Created or PoolState.Grown));
}
