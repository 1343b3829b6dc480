using Stratum.Platform.Exec;

namespace Stratum.Volumes.Filesystems;

/// <summary>
/// Runs the host's tools (blkid, mkfs, mount, dmsetup, cryptsetup...) through the one command
/// runner for <see cref="LinuxFilesystemOps"/> and <see cref="Encryption.LuksCli"/>, and words
/// every way one can fail (not installed, not started, out of time, a non-zero exit) as a
/// <see cref="FilesystemCommandException"/> that says what was being done.
/// </summary>
internal static class HostTools
{
    /// <summary>Where each tool comes from, for the "not installed" message.</summary>
    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["blkid"] = "util-linux",
        ["blockdev"] = "util-linux",
        ["mount"] = "util-linux; on Debian the 'mount' package",
        ["umount"] = "util-linux; on Debian the 'mount' package",
        ["mkfs.ext4"] = "e2fsprogs",
        ["resize2fs"] = "e2fsprogs",
        ["mkfs.xfs"] = "xfsprogs",
        ["xfs_growfs"] = "xfsprogs",
        ["mkfs.btrfs"] = "btrfs-progs",
        ["btrfs"] = "btrfs-progs",
        ["blkdiscard"] = "util-linux",
        ["dmsetup"] = "dmsetup (with lvm2)",
        ["cryptsetup"] = "cryptsetup-bin",
    };

    /// <summary>
    /// Runs <paramref name="spec"/> for <paramref name="action"/> (e.g. "Mounting X on Y"). A tool
    /// that is not installed, cannot be started or runs out of time becomes a
    /// <see cref="FilesystemCommandException"/>; any exit code is returned for the caller to judge.
    /// </summary>
    /// <param name="name">How the timeout message names the command: null for its whole command line.</param>
    public static async Task<CommandResult> RunAsync(ICommandRunner runner, string action, CommandSpec spec, CancellationToken cancellationToken, string? name = null)
    {
        try
        {
            return await runner.RunAsync(spec, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandNotFoundException ex)
        {
            var hint = Packages.TryGetValue(ex.Executable, out var package) ? $" (install {package})" : string.Empty;
            throw new FilesystemCommandException(
                $"{action} failed: {ex.Executable} is not installed on this node{hint}", Argv(spec), null, null, ex);
        }
        catch (CommandTimeoutException ex)
        {
            throw new FilesystemCommandException(
                $"{action} failed: {name ?? $"'{spec}'"} did not finish within {ex.Timeout.TotalSeconds:0.###} s and was killed; its effect is unknown",
                Argv(spec), null, ex.PartialStandardError, ex);
        }
        catch (CommandStartException ex)
        {
            throw new FilesystemCommandException($"{action} failed: {ex.Message}", Argv(spec), null, null, ex);
        }
    }

    /// <summary>The failure of a tool that exited non-zero: its command line, exit code and what it said.</summary>
    /// <param name="hint">Appended to the message (e.g. what a known error means).</param>
    /// <param name="maxLength">How much of what the tool said the message keeps.</param>
    public static FilesystemCommandException Failure(string action, CommandSpec spec, CommandResult result, string hint = "", int maxLength = 1000) =>
        new($"{action} failed: '{spec}' exited with {result.ExitCode}: {Said(result, maxLength)}{hint}",
            Argv(spec), result.ExitCode, result.StandardError);

    /// <summary>What a tool said (its standard error, else its output) on one line, capped; "no error output" when it said nothing.</summary>
    public static string Said(CommandResult result, int maxLength = 1000)
    {
        var output = Summarize(string.IsNullOrWhiteSpace(result.StandardError) ? result.StandardOutput : result.StandardError, maxLength);
        return output.Length == 0 ? "no error output" : output;
    }

    /// <summary>Tool output on one line, trimmed and capped, for exception messages and logs.</summary>
    public static string Summarize(string text, int maxLength = 1000)
    {
        var joined = string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return joined.Length <= maxLength ? joined : joined[..maxLength] + "...";
    }

    public static string[] Argv(CommandSpec spec) => [spec.Executable, .. spec.Arguments];
}
