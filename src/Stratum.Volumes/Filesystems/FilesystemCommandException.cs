using Stratum.Platform.Exec;

namespace Stratum.Volumes.Filesystems;

/// <summary>
/// A filesystem tool (blkid, mkfs.*, mount, umount, resize2fs, xfs_growfs, btrfs, blockdev) failed:
/// it exited non-zero, timed out, printed something unusable, or could not be started at all
/// (<see cref="IsToolMissing"/>). The message names the command and carries its stderr.
/// </summary>
public sealed class FilesystemCommandException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, for humans.</param>
    /// <param name="command">The argv, executable first.</param>
    /// <param name="exitCode">The exit code, or <c>null</c> when the command did not run to completion.</param>
    /// <param name="standardError">The command's stderr (may be empty).</param>
    /// <param name="innerException">The runner's exception, if the command did not run to completion.</param>
    public FilesystemCommandException(string message, IReadOnlyList<string> command, int? exitCode, string? standardError, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentNullException.ThrowIfNull(command);
        Command = command;
        ExitCode = exitCode;
        StandardError = standardError ?? string.Empty;
    }

    /// <summary>The argv, executable first.</summary>
    public IReadOnlyList<string> Command { get; }

    /// <summary>The exit code, or <c>null</c> when the command did not run to completion.</summary>
    public int? ExitCode { get; }

    /// <summary>Everything the command wrote to stderr (partial when it timed out).</summary>
    public string StandardError { get; }

    /// <summary>The program is not installed on this node (the message says which package provides it).</summary>
    public bool IsToolMissing => InnerException is CommandNotFoundException;

    /// <summary>The command ran past its timeout and was killed; its effect is unknown.</summary>
    public bool IsTimeout => InnerException is CommandTimeoutException;
}
