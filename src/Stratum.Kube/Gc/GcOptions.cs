using Stratum.Config;

namespace Stratum.Kube.Gc;

/// <summary>Orphan-GC settings (from the node's config file: <c>gc</c>, <c>gcGracePeriodSeconds</c>, <c>gcIntervalSeconds</c>).</summary>
public sealed record GcOptions
{
    public GcMode Mode { get; init; } = GcMode.Report;

    /// <summary>
    /// A volume without a PV is left alone until it is this old: the provisioner creates the PV
    /// only after CreateVolume returned, and may retry for a while when the API is slow.
    /// </summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Time between passes.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>At most this many deletions per pass: a mistake (a wrong cluster, a bulk delete) is bounded and visible before it is done.</summary>
    public int MaxDeletionsPerPass { get; init; } = 10;

    /// <summary>
    /// Treat a volume whose creation time is unknown as past the grace period. Only for a one-shot
    /// dry run (<c>stratum gc --dry-run</c>), which has no earlier sighting to count from and deletes nothing.
    /// </summary>
    public bool AssumeOldWhenAgeUnknown { get; init; }
}
