using System.Globalization;

namespace Stratum.Config;

/// <summary>
/// Parses and formats byte quantities the way Kubernetes writes them: plain bytes, binary
/// suffixes (Ki, Mi, Gi, Ti, Pi) and decimal ones (k, M, G, T, P); a trailing B is accepted.
/// </summary>
public static class ByteSize
{
    private static readonly (string Suffix, long Factor)[] Units =
    [
        ("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("Ti", 1L << 40), ("Pi", 1L << 50),
        ("k", 1_000L), ("K", 1_000L), ("M", 1_000_000L), ("G", 1_000_000_000L), ("T", 1_000_000_000_000L), ("P", 1_000_000_000_000_000L),
    ];

    public static long Parse(string text) =>
        TryParse(text, out var bytes, out var error) ? bytes : throw new FormatException(error);

    public static bool TryParse(string? text, out long bytes, out string error)
    {
        bytes = 0;
        error = string.Empty;
        var value = text?.Trim() ?? string.Empty;
        if (value.Length == 0)
        {
            error = "a size is required (e.g. 1Gi, 500Mi, 1073741824)";
            return false;
        }

        if (value.EndsWith("iB", StringComparison.Ordinal) || (value.EndsWith('B') && value.Length > 1 && !char.IsDigit(value[^2])))
        {
            value = value[..^1];
        }

        long factor = 1;
        foreach (var (suffix, unitFactor) in Units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal))
            {
                factor = unitFactor;
                value = value[..^suffix.Length];
                break;
            }
        }

        if (!decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            error = $"'{text}' is not a size (e.g. 1Gi, 500Mi, 1073741824)";
            return false;
        }

        decimal total;
        try
        {
            total = decimal.Ceiling(amount * factor);
        }
        catch (OverflowException)
        {
            error = $"'{text}' is too large";
            return false;
        }

        if (total > long.MaxValue)
        {
            error = $"'{text}' is too large";
            return false;
        }

        bytes = (long)total;
        return true;
    }

    /// <summary>Formats with the largest binary unit that divides the value exactly, e.g. 1Gi, 1536Mi, 1000.</summary>
    public static string Format(long bytes)
    {
        string[] suffixes = ["Pi", "Ti", "Gi", "Mi", "Ki"];
        for (var i = 0; i < suffixes.Length; i++)
        {
            var factor = 1L << (10 * (5 - i));
            if (bytes != 0 && bytes % factor == 0)
            {
                return (bytes / factor).ToString(CultureInfo.InvariantCulture) + suffixes[i];
            }
        }

        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}
