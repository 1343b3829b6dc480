using Stratum.Platform.Exec;

namespace Stratum.Testing.Tests.TestSupport;

/// <summary>
/// A command runner for driving <see cref="Stratum.Lvm.LvmCli"/> without LVM: either refuses to
/// run anything (to prove a call was rejected before any command), or answers every command with
/// one canned result (to see how LvmCli classifies a given stderr).
/// </summary>
internal sealed class CannedRunner(CommandResult? answer) : ICommandRunner
{
    public int Calls { get; private set; }

    public static CannedRunner NeverRuns() => new(null);

    public static CannedRunner Fails(int exitCode, string stderr) => new(new CommandResult(exitCode, string.Empty, stderr, TimeSpan.Zero));

    public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        Calls++;
        return answer is null
            ? throw new InvalidOperationException($"no command should run, but LvmCli ran: {spec}")
            : Task.FromResult(answer);
    }
}
