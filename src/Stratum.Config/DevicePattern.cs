using System.Diagnostics.CodeAnalysis;

namespace Stratum.Config;

/// <summary>
/// One entry of a device class's <c>devices</c>: an absolute path under <c>/dev/</c> whose last
/// component may hold shell-style wildcards (<c>*</c>, <c>?</c>, <c>[a-c]</c>, <c>[!a]</c>), e.g.
/// <c>/dev/vd[b-z]</c> or <c>/dev/disk/by-id/virtio-*</c>. Directories are literal, so matching lists
/// one directory and never walks a tree.
/// </summary>
public sealed record DevicePattern
{
    private DevicePattern(string text, string directory, string name)
    {
        Text = text;
        Directory = directory;
        Name = name;
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>The literal directory whose entries are matched, e.g. <c>/dev/disk/by-id</c>.</summary>
    public string Directory { get; }

    /// <summary>The last component, e.g. <c>virtio-*</c>.</summary>
    public string Name { get; }

    /// <summary>Whether <see cref="Name"/> holds a wildcard (otherwise the pattern names one path).</summary>
    public bool HasWildcard => Name.AsSpan().IndexOfAny("*?[") >= 0;

    public override string ToString() => Text;

    /// <summary>Parses and checks a pattern; <paramref name="error"/> says which rule it breaks.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out DevicePattern? pattern, out string error)
    {
        pattern = null;
        error = Check(text);
        if (error.Length > 0)
        {
            return false;
        }

        var slash = text!.LastIndexOf('/');
        pattern = new DevicePattern(text, text[..slash], text[(slash + 1)..]);
        return true;
    }

    /// <summary>Whether the file name <paramref name="name"/> (one path component) matches <see cref="Name"/>.</summary>
    public bool MatchesName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Glob(Name, 0, name, 0);
    }

    /// <summary>Whether the absolute <paramref name="path"/> matches (its directory exactly, its name by the glob).</summary>
    public bool Matches(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var slash = path.LastIndexOf('/');
        return slash >= 0 && string.Equals(path[..slash], Directory, StringComparison.Ordinal) && MatchesName(path[(slash + 1)..]);
    }

    private static string Check(string? text)
    {
        const string Example = "such as /dev/vdb, /dev/vd[b-z] or /dev/disk/by-id/virtio-*";
        if (string.IsNullOrEmpty(text))
        {
            return "a device pattern must not be empty";
        }

        if (text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return $"device pattern '{text}' contains whitespace or control characters";
        }

        if (text[0] != '/')
        {
            return $"device pattern '{text}' must be an absolute path {Example}";
        }

        if (text is "/" or "/dev" or "/dev/")
        {
            return $"device pattern '{text}' names a root directory, not devices; name the disks, {Example}";
        }

        if (!text.StartsWith("/dev/", StringComparison.Ordinal))
        {
            return $"device pattern '{text}' must be under /dev/, {Example}";
        }

        var parts = text[1..].Split('/');
        if (parts.Any(p => p is "" or "." or ".."))
        {
            return $"device pattern '{text}' must be a plain path: no empty, '.' or '..' components and no trailing '/'";
        }

        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (parts[i].AsSpan().IndexOfAny("*?[]") >= 0)
            {
                return $"device pattern '{text}': wildcards are allowed only in the last component ('{parts[^1]}'), not in the directory '{parts[i]}'";
            }
        }

        var name = parts[^1];
        if (CheckBrackets(name) is { } bracketError)
        {
            return $"device pattern '{text}': {bracketError}";
        }

        if (!HasLiteral(name))
        {
            return $"device pattern '{text}' matches every entry of {text[..text.LastIndexOf('/')]}; begin the name with what the disks have in common, {Example}";
        }

        return string.Empty;
    }

    /// <summary>Every '[' is closed, no class is empty, ']' never appears alone.</summary>
    private static string? CheckBrackets(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] == ']')
            {
                return "a ']' has no '[' before it";
            }

            if (name[i] != '[')
            {
                continue;
            }

            var end = ClassEnd(name, i);
            if (end < 0)
            {
                return "a '[' is not closed by ']'";
            }

            i = end;
        }

        return null;
    }

    /// <summary>The index of the ']' closing the class opened at <paramref name="open"/>, or -1.</summary>
    private static int ClassEnd(string pattern, int open)
    {
        var i = open + 1;
        if (i < pattern.Length && pattern[i] is '!' or '^')
        {
            i++;
        }

        // A ']' right after '[' or '[!' is a member, as in the shell; a class is never empty.
        if (i < pattern.Length && pattern[i] == ']')
        {
            i++;
        }

        for (; i < pattern.Length; i++)
        {
            if (pattern[i] == ']')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Whether the name has a character outside wildcards and classes (so it cannot match everything).</summary>
    private static bool HasLiteral(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            switch (name[i])
            {
                case '*' or '?':
                    break;
                case '[':
                    i = ClassEnd(name, i);
                    break;
                default:
                    return true;
            }
        }

        return false;
    }

    private static bool Glob(string pattern, int p, string text, int t)
    {
        while (p < pattern.Length)
        {
            switch (pattern[p])
            {
                case '*':
                    while (p < pattern.Length && pattern[p] == '*')
                    {
                        p++;
                    }

                    if (p == pattern.Length)
                    {
                        return true;
                    }

                    for (var k = t; k <= text.Length; k++)
                    {
                        if (Glob(pattern, p, text, k))
                        {
                            return true;
                        }
                    }

                    return false;
                case '?':
                    if (t >= text.Length)
                    {
                        return false;
                    }

                    p++;
                    t++;
                    break;
                case '[':
                    var end = ClassEnd(pattern, p);
                    if (t >= text.Length || !InClass(pattern, p + 1, end, text[t]))
                    {
                        return false;
                    }

                    p = end + 1;
                    t++;
                    break;
                default:
                    if (t >= text.Length || text[t] != pattern[p])
                    {
                        return false;
                    }

                    p++;
                    t++;
                    break;
            }
        }

        return t == text.Length;
    }

    private static bool InClass(string pattern, int start, int end, char c)
    {
        var negate = pattern[start] is '!' or '^';
        var i = negate ? start + 1 : start;
        var found = false;
        while (i < end)
        {
            var low = pattern[i];
            if (i + 2 < end && pattern[i + 1] == '-')
            {
                var high = pattern[i + 2];
                found |= c >= low && c <= high;
                i += 3;
            }
            else
            {
                found |= c == low;
                i++;
            }
        }

        return found != negate;
    }
}

/// <summary>A device class's <c>devices</c>: one or more <see cref="DevicePattern"/>s (value equality).</summary>
public sealed record DevicePatterns
{
    public DevicePatterns(IEnumerable<DevicePattern> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        Patterns = [.. patterns];
    }

    public IReadOnlyList<DevicePattern> Patterns { get; }

    /// <summary>Whether any pattern matches the absolute <paramref name="path"/>.</summary>
    public bool Matches(string path) => Patterns.Any(p => p.Matches(path));

    public bool Equals(DevicePatterns? other) => other is not null && Patterns.SequenceEqual(other.Patterns);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var pattern in Patterns)
        {
            hash.Add(pattern);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => string.Join(", ", Patterns);
}
