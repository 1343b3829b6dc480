using System.Globalization;
using System.Runtime.InteropServices;

namespace Stratum.Platform;

/// <summary>One mapping of <c>/proc/self/smaps</c>: its address range, permissions, file and pages.</summary>
public sealed record MemoryMapping(ulong Start, ulong End, string Permissions, string Path, long ResidentBytes, long AnonymousBytes)
{
    public ulong Length => End - Start;

    /// <summary>
    /// Whether dropping its pages loses nothing: a private mapping of a file that is not writable
    /// and holds no page of its own (no copy-on-write page, such as relocated read-only data), so
    /// every page is the file's and comes back from the page cache when touched again.
    /// </summary>
    public bool IsCleanFileMapping =>
        Permissions.Length == 4 && Permissions[1] == '-' && Permissions[3] == 'p' && AnonymousBytes == 0 && Path.StartsWith('/');
}

/// <summary>
/// Trims what a long-running process keeps mapped but no longer uses. A native executable's code
/// and read-only data, and its libraries' (libc, libcrypto), are mapped from their files; start-up
/// touches most of them (and the kernel maps the 64 KiB around each touched page), so nearly the
/// whole binary counts in the resident set for the life of the process, though an idle plugin uses
/// a small part of it. Unmapping the clean pages (<c>madvise(MADV_DONTNEED)</c>) leaves them in
/// the page cache; what is used again is mapped again on its next touch (a minor fault), so the
/// resident set becomes what the process actually uses. Pages a mapping holds of its own
/// (relocated data, anything written) are never dropped: such mappings are left alone.
/// </summary>
public static class WorkingSet
{
    private const int MadvDontNeed = 4;

    /// <summary>
    /// For a server that is done starting and will now idle for days: start-up leaves garbage and
    /// committed but empty GC regions behind, and touched most of the binary's code and read-only
    /// data. Collects (compacting, handing empty regions back) and then unmaps the clean file
    /// pages (<see cref="TrimFileMappings"/>), so the resident set becomes what serving and idling
    /// use. Returns the file-mapped bytes unmapped.
    /// </summary>
    public static long SettleAfterStart()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return TrimFileMappings();
    }

    /// <summary>
    /// Unmaps the pages of every clean file mapping of this process (<see cref="MemoryMapping.IsCleanFileMapping"/>).
    /// Returns the resident bytes they held. Does nothing (returns 0) where <c>/proc</c> is not available.
    /// </summary>
    public static long TrimFileMappings()
    {
        string smaps;
        try
        {
            smaps = File.ReadAllText("/proc/self/smaps");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        long trimmed = 0;
        foreach (var mapping in ParseSmaps(smaps).Where(m => m.IsCleanFileMapping && m.ResidentBytes > 0))
        {
            if (Native.Madvise((nint)mapping.Start, (nuint)mapping.Length, MadvDontNeed) == 0)
            {
                trimmed += mapping.ResidentBytes;
            }
        }

        return trimmed;
    }

    /// <summary>Parses <c>/proc/PID/smaps</c>: each mapping with its resident and anonymous bytes.</summary>
    public static IReadOnlyList<MemoryMapping> ParseSmaps(string smaps)
    {
        ArgumentNullException.ThrowIfNull(smaps);
        var mappings = new List<MemoryMapping>();
        MemoryMapping? current = null;
        foreach (var line in smaps.Split('\n'))
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
            {
                if (current is not null)
                {
                    mappings.Add(current);
                }

                var range = fields[0].Split('-');
                current = new MemoryMapping(
                    ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    fields[1], fields.Length == 6 ? fields[5].Trim() : string.Empty, 0, 0);
            }
            else if (current is not null && fields.Length >= 2 && fields[0] is "Rss:" or "Anonymous:")
            {
                var bytes = long.Parse(fields[1], CultureInfo.InvariantCulture) * 1024;
                current = fields[0] == "Rss:" ? current with { ResidentBytes = bytes } : current with { AnonymousBytes = bytes };
            }
        }

        if (current is not null)
        {
            mappings.Add(current);
        }

        return mappings;
    }

    private static class Native
    {
        [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
        public static extern int Madvise(nint address, nuint length, int advice);
    }
}
