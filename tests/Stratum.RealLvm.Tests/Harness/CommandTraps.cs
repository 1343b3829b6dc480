using System.Globalization;

namespace Stratum.RealLvm.Tests.Harness;

/// <summary>Where a trap stops a command: before it starts, while it runs, or after it has finished.</summary>
public enum TrapPhase
{
    Before,
    During,
    After,
}

/// <summary>
/// Numbers and logs every external command a plugin process runs (lvm, mkfs, mount, ...) through
/// small wrapper scripts in <see cref="BinDirectory"/> (put first on the plugin's PATH), and stops
/// one chosen command so the test can kill the plugin at that exact point:
/// <list type="bullet">
/// <item><see cref="TrapPhase.Before"/>: the command never starts (the wrapper parks until killed);</item>
/// <item><see cref="TrapPhase.During"/>: the command runs; the test kills it mid-way;</item>
/// <item><see cref="TrapPhase.After"/>: the command has done its work, the plugin never hears back.</item>
/// </list>
/// A parked wrapper is in the plugin's process group, so killing the group ends it too.
/// Only a test process uses this; nothing here reaches the product.
/// </summary>
public sealed class CommandTraps
{
    /// <summary>Every command the plugin runs to change or read the host.</summary>
    public static readonly IReadOnlyList<string> Commands =
        ["lvm", "mkfs.ext4", "mkfs.xfs", "mount", "umount", "blkid", "blockdev", "blkdiscard", "resize2fs", "xfs_growfs", "dmsetup", "dd"];

    private readonly string _log;
    private readonly string _trap;
    private readonly string _hit;

    public CommandTraps(string directory)
    {
        BinDirectory = Path.Combine(directory, "bin");
        _log = Path.Combine(directory, "commands");
        _trap = Path.Combine(directory, "trap");
        _hit = Path.Combine(directory, "hit");
        Directory.CreateDirectory(BinDirectory);
        File.WriteAllText(_log, string.Empty);
        foreach (var name in Commands)
        {
            if (FindOnPath(name) is not { } real)
            {
                continue; // not installed: the plugin would not find it either
            }

            var wrapper = Path.Combine(BinDirectory, name);
            File.WriteAllText(wrapper, $$"""
                #!/bin/bash
                # Written by the crash tests: numbers this command, runs the real one, and stops where the trap says.
                dir='{{directory}}'
                exec 9>>"$dir/commands.lock"
                flock 9
                n=$(wc -l <"$dir/commands")
                printf '%s\n' "{{name}} $*" >>"$dir/commands"
                flock -u 9
                exec 9>&-
                trap=$(cat "$dir/trap" 2>/dev/null)
                case $trap in
                  "$n before") echo "$n" >"$dir/hit"; while :; do sleep 1; done ;;
                  "$n during") '{{real}}' "$@" & child=$!; echo "$n" >"$dir/hit"; wait $child; exit $? ;;
                  "$n after") '{{real}}' "$@"; echo "$n" >"$dir/hit"; while :; do sleep 1; done ;;
                esac
                exec '{{real}}' "$@"
                """ + "\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Put this directory first on the plugin's PATH.</summary>
    public string BinDirectory { get; }

    /// <summary>How many commands have started so far (the next one gets this number).</summary>
    public int Count => File.ReadAllLines(_log).Length;

    /// <summary>The command lines from number <paramref name="mark"/> on.</summary>
    public IReadOnlyList<string> Since(int mark) => File.ReadAllLines(_log).Skip(mark).ToList();

    /// <summary>Stops command number <paramref name="number"/> at <paramref name="phase"/>.</summary>
    public void Set(int number, TrapPhase phase)
    {
        File.Delete(_hit);
        File.WriteAllText(_trap, $"{number.ToString(CultureInfo.InvariantCulture)} {phase.ToString().ToLowerInvariant()}");
    }

    /// <summary>Whether the trapped command has got to its phase.</summary>
    public bool Hit => File.Exists(_hit);

    public void Clear()
    {
        File.Delete(_trap);
        File.Delete(_hit);
    }

    private string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Where(d => d != BinDirectory)
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);
}
