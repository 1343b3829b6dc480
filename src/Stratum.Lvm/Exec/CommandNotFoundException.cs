namespace Stratum.Lvm.Exec;

/// <summary>The executable does not exist (not in PATH, or the given path is missing).</summary>
public sealed class CommandNotFoundException : CommandException
{
    /// <summary>Creates the exception.</summary>
    public CommandNotFoundException(string executable, IReadOnlyList<string> arguments, Exception? innerException)
        : base($"Executable '{executable}' was not found.", executable, arguments, innerException)
    {
    }
}
