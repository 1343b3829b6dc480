using Stratum.Platform.Exec;

namespace Stratum.RealLvm.Tests.Harness;

/// <summary>
/// A runner that can "crash": after <see cref="Crash"/> nothing its user does reaches the machine
/// any more, and no call ever returns, as if the plugin process had died on the spot (a command
/// already running finishes or is killed on its own; its outcome is never seen). So a test can
/// leave exactly the state a crash leaves, with no clean-up by the code under test.
/// </summary>
public sealed class CrashableRunner(ICommandRunner inner) : ICommandRunner
{
    private readonly TaskCompletionSource<Stratum.Platform.Exec.CommandResult> _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _crashed;

    public void Crash() => _crashed = true;

    public async Task<Stratum.Platform.Exec.CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        if (_crashed)
        {
            return await _never.Task.ConfigureAwait(false);
        }

        var result = await inner.RunAsync(spec, cancellationToken).ConfigureAwait(false);
        return _crashed ? await _never.Task.ConfigureAwait(false) : result;
    }
}
