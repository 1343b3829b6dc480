namespace Stratum.Platform.Exec;

/// <summary>
/// Runs external programs. Every subprocess Stratum starts goes through one implementation of
/// this interface, so argv handling, locale, timeouts, process-tree cleanup and logging are the
/// same everywhere.
/// </summary>
public interface ICommandRunner
{
    /// <summary>
    /// Runs the program to completion and returns its exit code and output. A non-zero exit code
    /// is a normal result, not an exception.
    /// </summary>
    /// <exception cref="CommandNotFoundException">The executable does not exist.</exception>
    /// <exception cref="CommandStartException">The executable exists but could not be started.</exception>
    /// <exception cref="CommandTimeoutException">The timeout elapsed; the process tree was killed.</exception>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was cancelled before the start, or while a read ran
    /// (its process tree was killed). A mutation (<see cref="CommandSpec.Mutates"/>) is not
    /// killed: it runs to its end or its timeout and its result is returned.
    /// </exception>
    Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken);
}
