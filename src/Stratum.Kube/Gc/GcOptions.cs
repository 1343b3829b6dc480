namespace Stratum.Kube.Gc;

/// <summary>What the orphan GC may do. The default only reports.</summary>
public enum GcMode
{
    /// <summary>No GC passes at all.</summary>
    Off,

    /// <summary>Find and report orphans (log, metric, status); delete nothing.</summary>
    Report,

    /// <summary>Report, and delete orphans that are past the grace period and not in use.</summary>
    Delete,
}

/// <summary>Orphan-GC settings (the node's config file: <c>gc: report|delete|off</c>, <c>gcGracePeriod</c>, ...).</summary>
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

    public static bool TryParseMode(string? text, out GcMode mode)
    {
        switch (text)
        {
            case "off":
                mode = GcMode.Off;
                return true;
            case "report":
                mode = GcMode.Report;
                return true;
            case "delete":
                mode = GcMode.Delete;
                return true;
            default:
                mode = GcMode.Report;
                return false;
        }
    }
}
