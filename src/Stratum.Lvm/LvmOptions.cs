namespace Stratum.Lvm;

/// <summary>Settings of <see cref="LvmCli"/>.</summary>
public sealed record LvmOptions
{
    /// <summary>
    /// The <c>lvm</c> multi-call binary (every command runs as <c>lvm &lt;command&gt; ...</c>).
    /// Default <c>lvm</c>, found through PATH.
    /// </summary>
    public string LvmPath
    {
        get;
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = "lvm";

    /// <summary>Timeout for each LVM command; <c>null</c> uses the runner's default.</summary>
    public TimeSpan? CommandTimeout { get; init; }
}
