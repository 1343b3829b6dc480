using System.Text.RegularExpressions;

namespace Stratum.Lvm;

/// <summary>
/// Turns a failed LVM command into the matching <see cref="LvmException"/> subtype, from the
/// stderr LVM 2.03 really prints (see the unit tests for the measured messages). Lines starting
/// with <c>WARNING:</c> are ignored: LVM prints them on success too and they never carry the cause.
/// </summary>
internal static partial class LvmErrorClassifier
{
    private const int InvalidCommandLineExitCode = 3; // EINVALID_CMD_LINE

    /// <summary>The rules, most specific first; the first match wins.</summary>
    private static readonly (Regex Pattern, Func<string, IReadOnlyList<string>, int?, string, LvmException> Create)[] Rules =
    [
        (LockPattern(), (m, c, r, e) => new LvmLockedException(m, c, r, e)),
        (InUsePattern(), (m, c, r, e) => new LvmInUseException(m, c, r, e)),
        (AlreadyExistsPattern(), (m, c, r, e) => new LvmAlreadyExistsException(m, c, r, e)),
        (InsufficientSpacePattern(), (m, c, r, e) => new LvmInsufficientSpaceException(m, c, r, e)),
        (NotFoundPattern(), (m, c, r, e) => new LvmNotFoundException(m, c, r, e)),
        (InvalidArgumentPattern(), (m, c, r, e) => new LvmInvalidArgumentException(m, c, r, e)),
    ];

    /// <summary>Classifies a command that exited with a non-zero code.</summary>
    public static LvmException Classify(IReadOnlyList<string> command, int exitCode, string standardError)
    {
        var relevant = RelevantText(standardError);
        var message = $"{Describe(command)} failed with exit code {exitCode}: {Summary(standardError)}";
        foreach (var (pattern, create) in Rules)
        {
            if (pattern.IsMatch(relevant))
            {
                return create(message, command, exitCode, standardError);
            }
        }

        return exitCode == InvalidCommandLineExitCode
            ? new LvmInvalidArgumentException(message, command, exitCode, standardError)
            : new LvmCommandFailedException(message, command, exitCode, standardError);
    }

    /// <summary><c>lvm lvcreate</c> for <c>["lvm", "lvcreate", ...]</c>; just the program otherwise.</summary>
    public static string Describe(IReadOnlyList<string> command) =>
        command.Count switch
        {
            0 => "LVM command",
            1 => command[0],
            _ => $"{command[0]} {command[1]}",
        };

    /// <summary>The stderr lines that explain a failure, joined into one line.</summary>
    public static string Summary(string standardError)
    {
        // Distinct: device-mapper repeats "remove ioctl ... failed" once per retry, 25 times.
        var lines = SplitLines(standardError).Where(l => !IsNoise(l)).Distinct().ToList();
        if (lines.Count == 0)
        {
            lines = SplitLines(standardError).ToList();
        }

        return lines.Count == 0 ? "(no error output)" : string.Join(" ", lines);
    }

    private static string RelevantText(string standardError) =>
        string.Join('\n', SplitLines(standardError).Where(l => !l.StartsWith("WARNING:", StringComparison.Ordinal)));

    private static IEnumerable<string> SplitLines(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);

    private static bool IsNoise(string line) =>
        line.StartsWith("WARNING:", StringComparison.Ordinal)
        || line.StartsWith("Rounding ", StringComparison.Ordinal)
        || line.StartsWith("Using default stripesize", StringComparison.Ordinal)
        || line.StartsWith("Thin pool volume with chunk size", StringComparison.Ordinal)
        || line.StartsWith("Run `", StringComparison.Ordinal)
        || line.StartsWith("File descriptor ", StringComparison.Ordinal)
        || line == "Error during parsing of command line.";

    // "Giving up waiting for lock." / "Can't get lock for stratum." / "flock failed: Resource temporarily
    // unavailable" (file locking) and lvmlockd's "VG x lock failed: held by other host".
    [GeneratedRegex(@"giving up waiting for lock|can't get lock|flock failed|failed to (?:get|acquire) lock|\block failed\b|held by other host|locking failed",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LockPattern();

    // "Logical volume vg/lv in use." / "... contains a filesystem in use." / open or held devices /
    // dependents ("will remove 3 dependent volume(s)", "origin ... with 1 snapshots(s)") / "Snapshot
    // origin volumes can be resized only while inactive" (a thick origin with snapshots cannot grow) /
    // "LV vg/origin has open 1 snapshot(s), not deactivating." (deactivating an origin or its snapshot) /
    // a pool's component LV active on its own, and open, so it could not be deactivated ("Activation
    // of logical volume vg/pool is prohibited while logical volume vg/pool_tmeta is active.",
    // "Cannot resize logical volume vg/pool with active component LV(s).").
    [GeneratedRegex(@"logical volume \S+ in use|contains a filesystem in use|can't remove open logical volume|device or resource busy|is used by another device|\bopen logical volume|dependent volume|will also remove \d+ snapshot|with \d+ snapshots?\(s\)|resized only while inactive|has open \d+ snapshot|is prohibited while logical volume \S+ is active|with active component lv",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex InUsePattern();

    // "Logical Volume "t1" already exists in volume group "stratum"" / "A volume group called x already
    // exists." / "/dev/stratum: already exists in filesystem" / "Physical volume '/dev/vda' is already in
    // volume group 'stratum'" / "Can't initialize physical volume "/dev/vda" of volume group "stratum" without -ff".
    [GeneratedRegex(@"already exists|is already in volume group|can't initialize physical volume \S+ of volume group",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AlreadyExistsPattern();

    // "Volume group "x" has insufficient free space (2021 extents): 25600 required." / "Insufficient free
    // space: 25597 extents needed, but only 497 available" / "Insufficient suitable allocatable extents for
    // logical volume r2: 9 more required" / "Cannot create new thin volume, free space in thin pool x/pool
    // reached threshold." / "Number of stripes (3) must not exceed number of physical volumes (2)".
    [GeneratedRegex(@"insufficient free (?:space|extents)|insufficient (?:suitable )?allocatable extents|free space in thin pool \S+ reached threshold|thin pool \S+ is out of data space|must not exceed number of physical volumes",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex InsufficientSpacePattern();

    // "Failed to find logical volume "vg/lv"" / "Volume group "x" not found" / "Logical volume c not found in
    // volume group stratum." / "Pool nopool not found in Volume group stratum." / "Snapshot origin LV x not
    // found in Volume group y." / "No device found for /dev/x." / "Cannot use /dev/x: device not found".
    [GeneratedRegex(@"failed to find (?:logical|physical) volume|volume group \S+ not found|volume group \S+ doesn't exist|logical volume \S+ not found|pool \S+ not found|origin lv \S+ not found|no device found for|device not found|failed to find device",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NotFoundPattern();

    // "Invalid argument for --addtag: bad tag" / "Logical volume name "bad;name" is invalid." /
    // "Size is not a multiple of 512." / "Option --errorwhenfull is unsupported with thin pools." /
    // "Please specify either size or extents with snapshots." (a size-less, i.e. thin, snapshot of
    // an LV that is not a thin volume; exit code 5).
    [GeneratedRegex(@"invalid argument for|name \S+ is invalid|is not a multiple of|is unsupported with|specify either size or extents with snapshots",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex InvalidArgumentPattern();
}
