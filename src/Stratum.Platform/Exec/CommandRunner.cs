using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Stratum.Platform.Exec;

/// <summary>
/// Runs programs with <see cref="Process"/>: argv only (no shell), <c>LC_ALL=C</c>, stdout and
/// stderr captured concurrently, a timeout per call, and the whole process tree killed on timeout
/// or, for reads, on cancellation. A mutation (<see cref="CommandSpec.Mutates"/>) ignores the
/// caller's cancellation: it ends on its own or on its timeout, never half-way because the
/// caller gave up.
/// </summary>
public sealed class CommandRunner : ICommandRunner
{
    private const int Enoent = 2;
    private const int PrefixExecNotFoundExitCode = 127;
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private readonly CommandRunnerOptions _options;
    private readonly ILogger<CommandRunner> _logger;

    /// <summary>Creates a runner.</summary>
    public CommandRunner(CommandRunnerOptions options, ILogger<CommandRunner> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _logger = logger;
    }

    /// <inheritdoc />
    public async Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        cancellationToken.ThrowIfCancellationRequested();
        var killOn = spec.Mutates ? CancellationToken.None : cancellationToken;

        var timeout = spec.Timeout ?? _options.DefaultTimeout;
        var startInfo = BuildStartInfo(spec);
        var renderedArgs = CommandSpec.Render(spec.Executable, spec.Arguments);

        using var process = new Process { StartInfo = startInfo };
        var started = Stopwatch.GetTimestamp();
        try
        {
            process.Start();
        }
        catch (Win32Exception ex) when (ex.NativeErrorCode == Enoent)
        {
            RunnerLog.CommandNotFound(_logger, startInfo.FileName, renderedArgs);
            throw new CommandNotFoundException(startInfo.FileName, [.. startInfo.ArgumentList], ex);
        }
        catch (Win32Exception ex)
        {
            RunnerLog.CommandStartFailed(_logger, ex, startInfo.FileName, renderedArgs);
            throw new CommandStartException(startInfo.FileName, [.. startInfo.ArgumentList], ex);
        }

        // Read both pipes concurrently from the start so a chatty child can never block on a full pipe.
        var stdoutTask = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var stdinTask = WriteStandardInputAsync(process.StandardInput, spec.StandardInput);

        using var timeoutCts = new CancellationTokenSource(timeout);
        using var linkedCts = CancellationTokenSource.CreateLinkedTokenSource(killOn, timeoutCts.Token);
        try
        {
            await process.WaitForExitAsync(linkedCts.Token).ConfigureAwait(false);
            await Task.WhenAll(stdoutTask, stderrTask, stdinTask).WaitAsync(linkedCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (linkedCts.IsCancellationRequested)
        {
            KillProcessTree(process, spec.Executable);
            var (partialOut, partialErr) = await DrainAsync(process, stdoutTask, stderrTask).ConfigureAwait(false);
            var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;

            if (killOn.IsCancellationRequested)
            {
                RunnerLog.CommandCanceled(_logger, spec.Executable, renderedArgs, elapsedMs);
                throw new OperationCanceledException(
                    $"'{renderedArgs}' was cancelled by the caller after {elapsedMs} ms; its process tree was killed.",
                    cancellationToken);
            }

            RunnerLog.CommandTimedOut(_logger, spec.Executable, renderedArgs, (long)timeout.TotalMilliseconds);
            throw new CommandTimeoutException(startInfo.FileName, [.. startInfo.ArgumentList], timeout, partialOut, partialErr);
        }

        var duration = Stopwatch.GetElapsedTime(started);
        if (spec.Mutates && cancellationToken.IsCancellationRequested)
        {
            RunnerLog.MutationOutlivedCaller(_logger, spec.Executable, renderedArgs, process.ExitCode, (long)duration.TotalMilliseconds);
        }

        if (!_options.CommandPrefix.IsEmpty && process.ExitCode == PrefixExecNotFoundExitCode)
        {
            // nsenter, env, chroot and friends exit 127 when they cannot find the program to exec.
            RunnerLog.CommandNotFound(_logger, spec.Executable, renderedArgs);
            throw new CommandNotFoundException(spec.Executable, spec.Arguments, null);
        }

        var result = new CommandResult(process.ExitCode, await stdoutTask.ConfigureAwait(false), await stderrTask.ConfigureAwait(false), duration);
        if (result.Succeeded)
        {
            RunnerLog.CommandSucceeded(_logger, spec.Executable, renderedArgs, result.ExitCode, (long)duration.TotalMilliseconds);
        }
        else
        {
            RunnerLog.CommandFailed(_logger, spec.Executable, renderedArgs, result.ExitCode, (long)duration.TotalMilliseconds, FirstLine(result.StandardError));
        }

        return result;
    }

    private ProcessStartInfo BuildStartInfo(CommandSpec spec)
    {
        var prefix = _options.CommandPrefix;
        var startInfo = new ProcessStartInfo
        {
            FileName = prefix.IsEmpty ? spec.Executable : prefix[0],
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = Utf8NoBom,
            StandardOutputEncoding = Utf8NoBom,
            StandardErrorEncoding = Utf8NoBom,
        };

        if (!prefix.IsEmpty)
        {
            for (var i = 1; i < prefix.Length; i++)
            {
                startInfo.ArgumentList.Add(prefix[i]);
            }

            startInfo.ArgumentList.Add(spec.Executable);
        }

        foreach (var arg in spec.Arguments)
        {
            startInfo.ArgumentList.Add(arg);
        }

        var env = startInfo.Environment;
        foreach (var (key, value) in _options.Environment)
        {
            env[key] = value;
        }

        foreach (var (key, value) in spec.Environment)
        {
            env[key] = value;
        }

        // Tools' messages are parsed, so their language must never follow the node's locale.
        env["LC_ALL"] = "C";
        env["LANG"] = "C";
        env.Remove("LANGUAGE");
        return startInfo;
    }

    private static async Task WriteStandardInputAsync(StreamWriter stdin, string? input)
    {
        try
        {
            if (input is not null)
            {
                await stdin.WriteAsync(input).ConfigureAwait(false);
                await stdin.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The child exited or closed its stdin without reading everything; its exit code tells the story.
        }
        finally
        {
            try
            {
                stdin.Close();
            }
            catch (IOException)
            {
                // Same as above: a broken pipe on close is not our failure to report.
            }
        }
    }

    private void KillProcessTree(Process process, string executable)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (Win32Exception ex)
        {
            RunnerLog.KillFailed(_logger, ex, executable, process.Id);
        }
    }

    private async Task<(string StandardOutput, string StandardError)> DrainAsync(Process process, Task<string> stdoutTask, Task<string> stderrTask)
    {
        try
        {
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(_options.KillGracePeriod).ConfigureAwait(false);
            await Task.WhenAll(stdoutTask, stderrTask).WaitAsync(_options.KillGracePeriod).ConfigureAwait(false);
            return (stdoutTask.Result, stderrTask.Result);
        }
        catch (TimeoutException)
        {
            // Something outside the tree still holds a pipe open; give up on the partial output.
            return (stdoutTask.IsCompletedSuccessfully ? stdoutTask.Result : string.Empty,
                    stderrTask.IsCompletedSuccessfully ? stderrTask.Result : string.Empty);
        }
    }

    private static string FirstLine(string text)
    {
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            var trimmed = line.Trim();
            if (!trimmed.IsEmpty)
            {
                return trimmed.ToString();
            }
        }

        return string.Empty;
    }
}
