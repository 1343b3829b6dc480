using System.Diagnostics;
using System.Text;

namespace Stratum.RealLvm.Tests.Harness;

/// <summary>What one finished command did.</summary>
public sealed record CommandResult(
    IReadOnlyList<string> Argv, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Returns this result, or throws <see cref="CommandFailedException"/> if it failed.</summary>
    public CommandResult EnsureSuccess() => Succeeded ? this : throw new CommandFailedException(this);

    public override string ToString()
    {
        var text = new StringBuilder()
            .Append('`').Append(string.Join(' ', Argv)).Append("` exited ").Append(ExitCode)
            .Append(" after ").Append(Elapsed.TotalSeconds.ToString("0.0")).Append(" s");
        if (Stderr.Length > 0)
        {
            text.Append("\nstderr:\n").Append(Stderr.TrimEnd());
        }
        if (Stdout.Length > 0)
        {
            text.Append("\nstdout:\n").Append(Stdout.TrimEnd());
        }
        return text.ToString();
    }
}

public sealed class CommandFailedException(CommandResult result) : Exception(result.ToString())
{
    public CommandResult Result { get; } = result;
}

/// <summary>
/// Runs test-side commands (pvcreate, dmsetup, mkfs, ...) the plain way: an argv, no shell,
/// LC_ALL=C, no stdin, a time limit. This is the tests' own tool for arranging and checking
/// the machine, deliberately independent of the product's LVM layer under test.
/// </summary>
public static class Sh
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs a command and returns what it did, whatever its exit code.</summary>
    public static async Task<CommandResult> TryRunAsync(
        string file, IEnumerable<string> args, TimeSpan? timeout = null, string? input = null)
    {
        var argv = new List<string> { file };
        argv.AddRange(args);
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["LC_ALL"] = "C";

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"could not start {file}");
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException(
                $"`{string.Join(' ', argv)}` did not finish within {(timeout ?? DefaultTimeout).TotalSeconds} s"
                + $"\nstderr so far:\n{await stderr}\nstdout so far:\n{await stdout}");
        }
        return new CommandResult(argv, process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }

    public static Task<CommandResult> TryRunAsync(string file, params string[] args) =>
        TryRunAsync(file, (IEnumerable<string>)args);

    /// <summary>Runs a command with <paramref name="input"/> on its stdin; throws unless it exits 0.</summary>
    public static async Task<CommandResult> RunWithInputAsync(string input, string file, params string[] args) =>
        (await TryRunAsync(file, args, input: input)).EnsureSuccess();

    /// <summary>Runs a command and throws <see cref="CommandFailedException"/> unless it exits 0.</summary>
    public static async Task<CommandResult> RunAsync(string file, params string[] args) =>
        (await TryRunAsync(file, args)).EnsureSuccess();
}
