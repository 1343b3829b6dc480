namespace Stratum.Lvm;

/// <summary>A new thin pool. Created with <c>--zero y</c> so blocks a thin volume gets are zeroed first.</summary>
public sealed record CreateThinPoolRequest
{
    /// <summary>The VG to carve from.</summary>
    public required string VolumeGroup { get; init; }

    /// <summary>The pool's name.</summary>
    public required string Name { get; init; }

    /// <summary>Data size in bytes (LVM adds metadata space on top).</summary>
    public required long SizeBytes { get; init; }

    /// <summary>Tags set atomically with the creation.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Extra lvcreate options (e.g. <c>--chunksize</c>); checked by <see cref="LvmExtraOptions"/>.</summary>
    public IReadOnlyList<string> ExtraOptions { get; init; } = [];
}
