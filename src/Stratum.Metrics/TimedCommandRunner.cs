using System.Diagnostics;
using Stratum.Platform.Exec;

namespace Stratum.Metrics;

/// <summary>
/// Wraps the one command runner and reports each subprocess's duration and outcome. The command
/// label is the lvm sub-command (<c>lvm lvcreate ...</c> is <c>lvcreate</c>) or the program's file
/// name; never an argument, so no volume name or path becomes a label value.
/// </summary>
public sealed class TimedCommandRunner(ICommandRunner inner, IStratumMetrics metrics) : ICommandRunner
{
    public async Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var command = CommandLabel(spec);
        var started = Stopwatch.GetTimestamp();
        var outcome = "failed";
        try
        {
            var result = await inner.RunAsync(spec, cancellationToken).ConfigureAwait(false);
            outcome = result.ExitCode == 0 ? "ok" : "failed";
            return result;
        }
        catch (CommandTimeoutException)
        {
            outcome = "timeout";
            throw;
        }
        catch (OperationCanceledException)
        {
            outcome = "canceled";
            throw;
        }
        catch (Exception ex) when (ex is CommandNotFoundException or CommandStartException)
        {
            outcome = "not_started";
            throw;
        }
        finally
        {
            metrics.CommandCompleted(command, outcome, Stopwatch.GetElapsedTime(started));
        }
    }

    internal static string CommandLabel(CommandSpec spec)
    {
        var program = Path.GetFileName(spec.Executable);
        return program == "lvm" && spec.Arguments.Length > 0 && PrometheusStratumMetrics.LvmCommands.Contains(spec.Arguments[0])
            ? spec.Arguments[0]
            : program;
    }
}
