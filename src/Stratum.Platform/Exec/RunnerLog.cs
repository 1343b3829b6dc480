using Microsoft.Extensions.Logging;

namespace Stratum.Platform.Exec;

/// <summary>Log messages of <see cref="CommandRunner"/>; event ids 1000–1099 (the Stratum.Lvm assembly owns 1000–1999).</summary>
internal static partial class RunnerLog
{
    [LoggerMessage(EventId = 1000, EventName = "CommandSucceeded", Level = LogLevel.Debug,
        Message = "Command {Executable} exited with code {ExitCode} after {DurationMs} ms: {Arguments}")]
    public static partial void CommandSucceeded(ILogger logger, string executable, string arguments, int exitCode, long durationMs);

    [LoggerMessage(EventId = 1001, EventName = "CommandFailed", Level = LogLevel.Information,
        Message = "Command {Executable} exited with code {ExitCode} after {DurationMs} ms: {Arguments} (stderr: {StandardErrorFirstLine})")]
    public static partial void CommandFailed(ILogger logger, string executable, string arguments, int exitCode, long durationMs, string standardErrorFirstLine);

    [LoggerMessage(EventId = 1002, EventName = "CommandTimedOut", Level = LogLevel.Warning,
        Message = "Command {Executable} timed out after {TimeoutMs} ms and its process tree was killed: {Arguments}")]
    public static partial void CommandTimedOut(ILogger logger, string executable, string arguments, long timeoutMs);

    [LoggerMessage(EventId = 1003, EventName = "CommandCanceled", Level = LogLevel.Information,
        Message = "Command {Executable} was cancelled after {DurationMs} ms and its process tree was killed: {Arguments}")]
    public static partial void CommandCanceled(ILogger logger, string executable, string arguments, long durationMs);

    [LoggerMessage(EventId = 1004, EventName = "CommandNotFound", Level = LogLevel.Error,
        Message = "Executable {Executable} was not found: {Arguments}")]
    public static partial void CommandNotFound(ILogger logger, string executable, string arguments);

    [LoggerMessage(EventId = 1005, EventName = "CommandStartFailed", Level = LogLevel.Error,
        Message = "Executable {Executable} could not be started: {Arguments}")]
    public static partial void CommandStartFailed(ILogger logger, Exception exception, string executable, string arguments);

    [LoggerMessage(EventId = 1006, EventName = "CommandKillFailed", Level = LogLevel.Warning,
        Message = "Could not kill the process tree of {Executable} (pid {ProcessId})")]
    public static partial void KillFailed(ILogger logger, Exception exception, string executable, int processId);

    [LoggerMessage(EventId = 1007, EventName = "MutationOutlivedCaller", Level = LogLevel.Information,
        Message = "Command {Executable} ran to completion (exit code {ExitCode} after {DurationMs} ms) although its caller gave up meanwhile: a change is never cut off half-way: {Arguments}")]
    public static partial void MutationOutlivedCaller(ILogger logger, string executable, string arguments, int exitCode, long durationMs);
}
