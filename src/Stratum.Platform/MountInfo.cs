using System.Globalization;
using System.Text;

namespace Stratum.Platform;

/// <summary>One line of <c>/proc/self/mountinfo</c>.</summary>
public sealed record MountEntry(
    int Id,
    int ParentId,
    uint DeviceMajor,
    uint DeviceMinor,
    string Root,
    string MountPoint,
    string Options,
    string FsType,
    string Source,
    string SuperOptions)
{
    /// <summary>Whether the per-mount options include <c>ro</c>.</summary>
    public bool IsReadOnly => Options.Split(',').Contains("ro");
}

/// <summary>Reads and parses the kernel's mount table (proc(5), /proc/[pid]/mountinfo).</summary>
public static class MountInfo
{
    public const string SelfPath = "/proc/self/mountinfo";

    public static IReadOnlyList<MountEntry> ReadSelf() => Parse(File.ReadAllText(SelfPath));

    /// <summary>The mount whose mount point is exactly <paramref name="path"/> (the last one, if stacked).</summary>
    public static MountEntry? FindMountPoint(IReadOnlyList<MountEntry> mounts, string path) =>
        mounts.LastOrDefault(m => m.MountPoint == path);

    public static IReadOnlyList<MountEntry> Parse(string text)
    {
        var entries = new List<MountEntry>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-", 6);
            if (fields.Length < 10 || separator < 0 || separator + 3 > fields.Length)
            {
                throw new FormatException($"Malformed mountinfo line: {line}");
            }

            var device = fields[2].Split(':');
            entries.Add(new MountEntry(
                int.Parse(fields[0], CultureInfo.InvariantCulture),
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                uint.Parse(device[0], CultureInfo.InvariantCulture),
                uint.Parse(device[1], CultureInfo.InvariantCulture),
                Unescape(fields[3]),
                Unescape(fields[4]),
                fields[5],
                Unescape(fields[separator + 1]),
                Unescape(fields[separator + 2]),
                separator + 3 < fields.Length ? fields[separator + 3] : string.Empty));
        }

        return entries;
    }

    /// <summary>The kernel escapes space, tab, newline and backslash as three octal digits.</summary>
    internal static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var bytes = new List<byte>(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length + 0 && i + 3 <= field.Length - 1 + 1
                && IsOctal(field, i + 1, 3))
            {
                bytes.Add((byte)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(string text, int start, int count)
    {
        if (start + count > text.Length)
        {
            return false;
        }

        for (var i = start; i < start + count; i++)
        {
            if (text[i] is < '0' or > '7')
            {
                return false;
            }
        }

        return true;
    }
}
