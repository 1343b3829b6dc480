using System.Globalization;
using System.Text;

namespace Stratum.Volumes.IoLimits;

/// <summary>
/// A volume's IO limits as a StorageClass or a VolumeAttributesClass asks for them: read and write
/// bytes per second and IOPS, each absolute and/or per GiB of the volume's size. When both are
/// given for one direction, the lower of the two applies (a per-GiB rate with a ceiling). Stored in
/// one LV tag (<c>stratum/io=...</c>), so the volume's own node finds them again after a restart.
/// </summary>
public sealed record IoLimitSettings
{
    /// <summary>The StorageClass / VolumeAttributesClass parameters, in the order of <see cref="Field"/>.</summary>
    public static IReadOnlyList<string> ParameterNames { get; } =
    [
        "readBytesPerSecond", "writeBytesPerSecond", "readIOPS", "writeIOPS",
        "readBytesPerSecondPerGiB", "writeBytesPerSecondPerGiB", "readIOPSPerGiB", "writeIOPSPerGiB",
    ];

    // The short names in the tag, same order.
    private static readonly string[] TagNames = ["rbps", "wbps", "riops", "wiops", "rbps-gib", "wbps-gib", "riops-gib", "wiops-gib"];

    private const long GiB = 1L << 30;

    private readonly long?[] _values;

    private IoLimitSettings(long?[] values) => _values = values;

    /// <summary>No limits.</summary>
    public static IoLimitSettings None { get; } = new(new long?[8]);

    /// <summary>Whether any limit is set.</summary>
    public bool IsEmpty => _values.All(v => v is null);

    /// <summary>The value of one parameter (index into <see cref="ParameterNames"/>), or null when not set.</summary>
    public long? Field(int index) => _values[index];

    /// <summary>Whether <paramref name="key"/> is one of the IO-limit parameters.</summary>
    public static bool IsParameter(string key) => ParameterNames.Contains(key, StringComparer.Ordinal);

    /// <summary>
    /// Reads the IO-limit parameters among <paramref name="parameters"/> (others are ignored).
    /// Values are positive integers, optionally with a Kubernetes quantity suffix (k, M, G, T,
    /// Ki, Mi, Gi, Ti): <c>10Mi</c> is 10485760.
    /// </summary>
    /// <exception cref="VolumeException"><see cref="VolumeError.InvalidArgument"/> for a bad value.</exception>
    public static IoLimitSettings Parse(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var values = new long?[8];
        foreach (var (key, value) in parameters)
        {
            var index = IndexOf(ParameterNames, key);
            if (index < 0)
            {
                continue;
            }

            values[index] = ParseQuantity(value) is { } v and > 0
                ? v
                : throw new VolumeException(VolumeError.InvalidArgument,
                    $"parameter '{key}' must be a positive whole number, optionally with a suffix k, M, G, T, Ki, Mi, Gi or Ti (got '{value}')");
        }

        return values.All(v => v is null) ? None : new IoLimitSettings(values);
    }

    /// <summary>The limits for a volume of <paramref name="sizeBytes"/>: per-GiB rates scaled (at least 1), the lower one taken where both are set.</summary>
    public IoMax Resolve(long sizeBytes)
    {
        long? Pick(int absolute, int perGiB)
        {
            var a = _values[absolute];
            var p = _values[perGiB] is { } rate ? Math.Max(1, (long)Math.Min(long.MaxValue, (decimal)rate * sizeBytes / GiB)) : (long?)null;
            return a is null ? p : p is null ? a : Math.Min(a.Value, p.Value);
        }

        return new IoMax(Pick(0, 4), Pick(1, 5), Pick(2, 6), Pick(3, 7));
    }

    /// <summary>The tag value: <c>rbps=N,wiops-gib=N,...</c> (only what is set).</summary>
    public string ToTagValue()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < _values.Length; i++)
        {
            if (_values[i] is { } v)
            {
                sb.Append(sb.Length > 0 ? "," : string.Empty).Append(TagNames[i]).Append('=').Append(v.ToString(CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    /// <summary>Reads a tag value; null when it is damaged.</summary>
    public static IoLimitSettings? FromTagValue(string value)
    {
        var values = new long?[8];
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var index = eq > 0 ? IndexOf(TagNames, part[..eq]) : -1;
            if (index < 0 || !long.TryParse(part.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v <= 0)
            {
                return null;
            }

            values[index] = v;
        }

        return values.All(v => v is null) ? None : new IoLimitSettings(values);
    }

    /// <summary>The parameters as a StorageClass would spell them.</summary>
    public IReadOnlyDictionary<string, string> ToParameters()
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < _values.Length; i++)
        {
            if (_values[i] is { } v)
            {
                result[ParameterNames[i]] = v.ToString(CultureInfo.InvariantCulture);
            }
        }

        return result;
    }

    public bool Equals(IoLimitSettings? other) => other is not null && _values.SequenceEqual(other._values);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var v in _values)
        {
            hash.Add(v);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => IsEmpty ? "none" : ToTagValue();

    private static int IndexOf(IReadOnlyList<string> names, string key)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == key)
            {
                return i;
            }
        }

        return -1;
    }

    private static long? ParseQuantity(string text)
    {
        var s = text.Trim();
        (string suffix, long factor)[] suffixes =
        [
            ("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("Ti", 1L << 40),
            ("k", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000),
        ];
        long factor = 1;
        foreach (var (suffix, f) in suffixes)
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal))
            {
                s = s[..^suffix.Length];
                factor = f;
                break;
            }
        }

        return long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= long.MaxValue / factor ? n * factor : null;
    }
}

/// <summary>One <c>io.max</c> line's limits; null is <c>max</c> (unlimited).</summary>
public readonly record struct IoMax(long? ReadBytesPerSecond, long? WriteBytesPerSecond, long? ReadIops, long? WriteIops)
{
    /// <summary>No limit in any direction.</summary>
    public static IoMax Unlimited => default;

    /// <summary>The line for <c>io.max</c>: <c>MAJ:MIN rbps=N wbps=max riops=N wiops=max</c>.</summary>
    public string ToLine(Filesystems.DeviceNumber device) =>
        $"{device} rbps={V(ReadBytesPerSecond)} wbps={V(WriteBytesPerSecond)} riops={V(ReadIops)} wiops={V(WriteIops)}";

    private static string V(long? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "max";
}
