namespace Stratum.Platform.Exec;

/// <summary>
/// The command ran longer than its timeout and its whole process tree was killed. Deliberately not
/// an <see cref="OperationCanceledException"/>: a timeout is a failure of the command, not a
/// cancellation requested by the caller.
/// </summary>
public sealed class CommandTimeoutException : CommandException
{
    /// <summary>Creates the exception.</summary>
    public CommandTimeoutException(
        string executable,
        IReadOnlyList<string> arguments,
        TimeSpan timeout,
        string partialStandardOutput,
        string partialStandardError)
        : base($"'{CommandSpec.Render(executable, arguments)}' did not finish within {timeout.TotalSeconds:0.###} s and was killed.", executable, arguments, null)
    {
        Timeout = timeout;
        PartialStandardOutput = partialStandardOutput;
        PartialStandardError = partialStandardError;
    }

    /// <summary>The timeout that elapsed.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Whatever the program had written to stdout before it was killed.</summary>
    public string PartialStandardOutput { get; }

    /// <summary>Whatever the program had written to stderr before it was killed.</summary>
    public string PartialStandardError { get; }
}
