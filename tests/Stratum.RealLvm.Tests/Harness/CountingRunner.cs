using Stratum.Platform.Exec;

namespace Stratum.RealLvm.Tests.Harness;

/// <summary>
/// A runner that counts the processes it starts (passing them to the real runner): the LVM
/// commands an engine call costs, by subcommand, and a hook that sees each command start.
/// </summary>
public sealed class CountingRunner(ICommandRunner inner) : ICommandRunner
{
    private readonly Lock _gate = new();
    private readonly List<string> _lvm = [];

    /// <summary>Called as each command starts (before it runs).</summary>
    public Action<CommandSpec>? OnStart { get; set; }

    /// <summary>The lvm subcommands run since the last <see cref="Reset"/>, in order.</summary>
    public IReadOnlyList<string> LvmCommands
    {
        get
        {
            lock (_gate)
            {
                return [.. _lvm];
            }
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _lvm.Clear();
        }
    }

    public Task<Stratum.Platform.Exec.CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        OnStart?.Invoke(spec); // first: a hook that holds a command back keeps it uncounted meanwhile
        if (spec.Executable == "lvm" && spec.Arguments.Length > 0)
        {
            lock (_gate)
            {
                _lvm.Add(spec.Arguments[0]);
            }
        }

        return inner.RunAsync(spec, cancellationToken);
    }
}
