namespace Stratum.Config;

/// <summary>
/// How a device class lays out its logical volumes. Validated by <see cref="ConfigLoader"/>: only the
/// fields that belong to <see cref="Type"/> are set, and <see cref="ExtraOptions"/> passed an
/// allow-list. Stratum adds the arguments it owns itself (name, size, tags, wiping, <c>--yes</c>).
/// </summary>
public sealed record LvCreateSettings
{
    /// <summary>Most stripes a class may ask for: LVM's limit, defined once in <see cref="Lvm.LvmValidation"/>.</summary>
    public const int MaxStripes = Lvm.LvmValidation.MaxStripes;

    /// <summary>Most extra raid1 copies a class may ask for: LVM's limit, defined once in <see cref="Lvm.LvmValidation"/>.</summary>
    public const int MaxMirrors = Lvm.LvmValidation.MaxMirrors;

    /// <summary>Linear volumes with no extra options.</summary>
    public static LvCreateSettings Default { get; } = new();

    public LvType Type { get; init; } = LvType.Linear;

    /// <summary>Number of stripes (<c>lvcreate -i</c>); set exactly when <see cref="Type"/> is striped.</summary>
    public int? Stripes { get; init; }

    /// <summary>Stripe size in bytes (<c>lvcreate -I</c>); striped only, null leaves LVM's default.</summary>
    public long? StripeSizeBytes { get; init; }

    /// <summary>Extra copies (<c>lvcreate -m</c>); set exactly when <see cref="Type"/> is raid1 (1 when not configured).</summary>
    public int? Mirrors { get; init; }

    /// <summary>Allow-listed extra lvcreate arguments, one token per item (<c>--alloc=cling</c> is split in two).</summary>
    public IReadOnlyList<string> ExtraOptions
    {
        get;
        init => field = [.. value];
    } = [];

    public bool Equals(LvCreateSettings? other) =>
        other is not null
        && Type == other.Type
        && Stripes == other.Stripes
        && StripeSizeBytes == other.StripeSizeBytes
        && Mirrors == other.Mirrors
        && ExtraOptions.SequenceEqual(other.ExtraOptions, StringComparer.Ordinal);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Type);
        hash.Add(Stripes);
        hash.Add(StripeSizeBytes);
        hash.Add(Mirrors);
        foreach (var option in ExtraOptions)
        {
            hash.Add(option, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }
}
