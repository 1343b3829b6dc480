using Stratum.Lvm;

namespace Stratum.Testing.Lvm;

/// <summary>
/// Builds the exceptions <see cref="LvmCli"/> throws for a failed LVM command: the same type its
/// classifier picks for LVM 2.03.16's stderr, the same message shape
/// (<c>lvm lvcreate failed with exit code 5: ...</c>), and stderr as LVM prints it.
/// </summary>
internal static class SimErrors
{
    /// <summary>LVM's ECMD_FAILED.</summary>
    public const int Failed = 5;

    /// <summary>LVM's EINVALID_CMD_LINE.</summary>
    public const int InvalidCommandLine = 3;

    public static string[] Argv(params string[] args) => ["lvm", .. args];

    public static LvmNotFoundException NotFound(string[] argv, params string[] lines) =>
        Create(argv, Failed, lines, (m, c, r, e) => new LvmNotFoundException(m, c, r, e));

    public static LvmAlreadyExistsException AlreadyExists(string[] argv, params string[] lines) =>
        Create(argv, Failed, lines, (m, c, r, e) => new LvmAlreadyExistsException(m, c, r, e));

    public static LvmInsufficientSpaceException InsufficientSpace(string[] argv, params string[] lines) =>
        Create(argv, Failed, lines, (m, c, r, e) => new LvmInsufficientSpaceException(m, c, r, e));

    public static LvmInUseException InUse(string[] argv, params string[] lines) =>
        Create(argv, Failed, lines, (m, c, r, e) => new LvmInUseException(m, c, r, e));

    public static LvmCommandFailedException CommandFailed(string[] argv, params string[] lines) =>
        Create(argv, Failed, lines, (m, c, r, e) => new LvmCommandFailedException(m, c, r, e));

    public static LvmInvalidArgumentException InvalidArgument(string[] argv, params string[] lines) =>
        Create(argv, InvalidCommandLine, lines, (m, c, r, e) => new LvmInvalidArgumentException(m, c, r, e));

    /// <summary>An argument LVM accepts on the command line but refuses for the LV at hand (exit 5).</summary>
    public static LvmInvalidArgumentException RejectedArgument(string[] argv, params string[] lines) =>
        Create(argv, Failed, lines, (m, c, r, e) => new LvmInvalidArgumentException(m, c, r, e));

    /// <summary>"Volume group "x" not found" as lvs/lvcreate/lvchange print it.</summary>
    public static LvmNotFoundException VolumeGroupNotFound(string[] argv, string vg) =>
        NotFound(argv, $"Volume group \"{vg}\" not found", $"Cannot process volume group {vg}");

    /// <summary>lvremove/lvchange on a missing LV.</summary>
    public static LvmNotFoundException LogicalVolumeNotFound(string[] argv, string vg, string lv) =>
        NotFound(argv, $"Failed to find logical volume \"{vg}/{lv}\"");

    /// <summary>"Volume group "vg" has insufficient free space (N extents): M required."</summary>
    public static LvmInsufficientSpaceException VolumeGroupTooSmall(string[] argv, SimVg vg, long required) =>
        InsufficientSpace(argv, $"Volume group \"{vg.Name}\" has insufficient free space ({vg.FreeExtents} extents): {required} required.");

    /// <summary>"Insufficient suitable allocatable extents for logical volume x: N more required"</summary>
    public static LvmInsufficientSpaceException NoSuitableExtents(string[] argv, string lv, long required) =>
        InsufficientSpace(argv, $"Insufficient suitable allocatable extents for logical volume {lv}: {required} more required");

    private static T Create<T>(string[] argv, int exitCode, string[] lines, Func<string, IReadOnlyList<string>, int?, string, T> create)
        where T : LvmException
    {
        // LVM indents its messages by two spaces, except the "WARNING:" lines of prompts.
        var stderr = string.Concat(lines.Select(l => (l.StartsWith("WARNING:", StringComparison.Ordinal) ? l : "  " + l) + "\n"));
        var relevant = lines.Where(l => !l.StartsWith("WARNING:", StringComparison.Ordinal)).ToList();
        var summary = relevant.Count == 0 ? string.Join(" ", lines) : string.Join(" ", relevant);
        var what = argv.Length >= 2 ? $"{argv[0]} {argv[1]}" : "LVM command";
        return create($"{what} failed with exit code {exitCode}: {summary}", argv, exitCode, stderr);
    }
}
