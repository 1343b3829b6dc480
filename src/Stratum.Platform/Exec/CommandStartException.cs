namespace Stratum.Platform.Exec;

/// <summary>The executable exists but the operating system refused to start it (e.g. permission denied).</summary>
public sealed class CommandStartException : CommandException
{
    /// <summary>Creates the exception.</summary>
    public CommandStartException(string executable, IReadOnlyList<string> arguments, Exception innerException)
        : base($"Executable '{executable}' could not be started: {innerException.Message}", executable, arguments, innerException)
    {
    }
}
