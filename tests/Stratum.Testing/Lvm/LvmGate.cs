namespace Stratum.Testing.Lvm;

/// <summary>
/// Holds calls of one operation in flight until released, so a test can prove what happens while
/// an LVM command is still running (e.g. that a second call for the same volume is ABORTED).
/// Created by <see cref="LvmSimulator.Hold"/>. Held calls have been counted and validated but
/// have changed nothing yet; they still honour their cancellation token.
/// </summary>
public sealed class LvmGate : IDisposable
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<LvmGate> _onRelease;
    private int _waiting;

    internal LvmGate(LvmOperation operation, Action<LvmGate> onRelease)
    {
        Operation = operation;
        _onRelease = onRelease;
    }

    /// <summary>The operation this gate holds.</summary>
    public LvmOperation Operation { get; }

    /// <summary>Completes when the first call reaches the gate.</summary>
    public Task Entered => _entered.Task;

    /// <summary>How many calls are waiting at the gate now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Whether <see cref="Release"/> was called.</summary>
    public bool IsReleased => _release.Task.IsCompleted;

    /// <summary>Lets every held call (and every later one) proceed, and removes the gate.</summary>
    public void Release()
    {
        _onRelease(this);
        _release.TrySetResult();
    }

    /// <summary>Same as <see cref="Release"/>, so <c>using var gate = sim.Hold(...)</c> never leaves calls stuck.</summary>
    public void Dispose() => Release();

    internal async Task PassAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            _entered.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }
}
