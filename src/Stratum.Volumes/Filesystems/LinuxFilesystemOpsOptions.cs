namespace Stratum.Volumes.Filesystems;

/// <summary>Settings of <see cref="LinuxFilesystemOps"/>.</summary>
public sealed record LinuxFilesystemOpsOptions
{
    /// <summary>Timeout for probing, mounting, unmounting and size queries; <c>null</c> uses the runner's default.</summary>
    public TimeSpan? CommandTimeout { get; init; }

    /// <summary>
    /// Timeout for mkfs. mkfs discards the whole device first and ext4 zeroes its journal, so it
    /// grows with the device. Default 10 minutes.
    /// </summary>
    public TimeSpan FormatTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Timeout for discarding a deleted volume's blocks. Discard is best effort: a deletion whose
    /// discard ran out of time goes on and removes the LV. Default 5 minutes.
    /// </summary>
    public TimeSpan DiscardTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Timeout for growing a filesystem (resize2fs can take minutes on large devices). Default 10 minutes.</summary>
    public TimeSpan GrowTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
