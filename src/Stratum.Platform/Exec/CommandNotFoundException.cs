namespace Stratum.Platform.Exec;

/// <summary>
/// The executable does not exist (not in PATH, or the given path is missing). With a command
/// prefix such as nsenter, also raised when the prefix exits with 127 ("cannot find the program").
/// </summary>
public sealed class CommandNotFoundException : CommandException
{
    /// <summary>Creates the exception.</summary>
    public CommandNotFoundException(string executable, IReadOnlyList<string> arguments, Exception? innerException)
        : base($"Executable '{executable}' was not found.", executable, arguments, innerException)
    {
    }
}
