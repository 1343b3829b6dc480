namespace Stratum.Platform.Exec;

/// <summary>The outcome of a program that ran to completion (whatever its exit code).</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="StandardOutput">Everything the program wrote to stdout.</param>
/// <param name="StandardError">Everything the program wrote to stderr.</param>
/// <param name="Duration">Wall-clock time from start to exit.</param>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration)
{
    /// <summary><c>true</c> when the exit code is 0.</summary>
    public bool Succeeded => ExitCode == 0;
}
