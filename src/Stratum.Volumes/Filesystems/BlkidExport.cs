using System.Text;

namespace Stratum.Volumes.Filesystems;

/// <summary>
/// Parses <c>blkid -o export</c> output: one <c>KEY=value</c> per line, values escaped for the
/// shell with a backslash before each special character.
/// </summary>
internal static class BlkidExport
{
    public static IReadOnlyDictionary<string, string> Parse(string output)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var rawLine in output.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue; // blank separator lines between devices, or noise
            }

            // With several devices the first wins; Stratum always probes exactly one.
            values.TryAdd(line[..equals], Unescape(line.AsSpan(equals + 1)));
        }

        return values;
    }

    /// <summary>What the values say is on the device; <see cref="DeviceContents.Blank"/> when no signature is named.</summary>
    public static DeviceContents ToContents(IReadOnlyDictionary<string, string> values)
    {
        if (values.TryGetValue("TYPE", out var type) && type.Length > 0)
        {
            return new DeviceContents(false, type, values.GetValueOrDefault("USAGE") is { Length: > 0 } usage ? usage : null);
        }

        if (values.TryGetValue("PTTYPE", out var partitionTable) && partitionTable.Length > 0)
        {
            return new DeviceContents(false, partitionTable, PartitionTableUsage);
        }

        // DEVNAME and PART_ENTRY_* describe the device itself (e.g. a partition), not a signature on it.
        return DeviceContents.Blank;
    }

    public const string PartitionTableUsage = "partition table";

    public const string AmbivalentUsage = "ambivalent";

    private static string Unescape(ReadOnlySpan<char> value)
    {
        if (!value.Contains('\\'))
        {
            return value.ToString();
        }

        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                i++;
            }

            sb.Append(value[i]);
        }

        return sb.ToString();
    }
}
