namespace Stratum.Platform.Exec;

/// <summary>Base type for failures to run a program at all (as opposed to a non-zero exit code).</summary>
public abstract class CommandException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected CommandException(string message, string executable, IReadOnlyList<string> arguments, Exception? innerException)
        : base(message, innerException)
    {
        Executable = executable;
        Arguments = arguments;
    }

    /// <summary>The program that was to be run (the first word actually executed, so the prefix's when one is set).</summary>
    public string Executable { get; }

    /// <summary>The full argument vector handed to <see cref="Executable"/>.</summary>
    public IReadOnlyList<string> Arguments { get; }
}
