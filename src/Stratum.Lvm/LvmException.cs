namespace Stratum.Lvm;

/// <summary>
/// Base of every LVM failure. Concrete types say what went wrong; the base carries the command,
/// its exit code and its stderr for diagnostics.
/// </summary>
public abstract class LvmException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, for humans.</param>
    /// <param name="command">The argv (executable first) that failed or would have run.</param>
    /// <param name="exitCode">The exit code, or <c>null</c> when the command did not run to completion.</param>
    /// <param name="standardError">The command's stderr (may be empty).</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    protected LvmException(string message, IReadOnlyList<string>? command, int? exitCode, string? standardError, Exception? innerException)
        : base(message, innerException)
    {
        Command = command ?? [];
        ExitCode = exitCode;
        StandardError = standardError ?? string.Empty;
    }

    /// <summary>The argv (executable first) that failed or would have run; empty when not applicable.</summary>
    public IReadOnlyList<string> Command { get; }

    /// <summary>The exit code, or <c>null</c> when the command did not run to completion.</summary>
    public int? ExitCode { get; }

    /// <summary>The command's stderr.</summary>
    public string StandardError { get; }

    /// <summary>Whether retrying the same call later may succeed without anything else changing.</summary>
    public virtual bool IsTransient => false;
}
