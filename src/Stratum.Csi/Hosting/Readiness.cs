using Grpc.Core;

namespace Stratum.Csi.Hosting;

/// <summary>
/// Whether the engine has finished starting (volumes rediscovered, capacity known). The socket
/// opens before that, so node-driver-registrar and Probe get answers at once; Controller and Node
/// calls wait for readiness (within their deadline), and fail UNAVAILABLE if start-up failed.
/// </summary>
public sealed class Readiness
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _started.Task.IsCompletedSuccessfully;

    /// <summary>Why start-up failed, or null.</summary>
    public Exception? Failure => _started.Task.Exception?.InnerException;

    public Task Started => _started.Task;

    public void MarkReady() => _started.TrySetResult();

    public void MarkFailed(Exception exception) => _started.TrySetException(exception);

    /// <summary>Waits until ready; UNAVAILABLE when start-up failed.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"the plugin could not start: {ex.Message}"));
        }
    }
}
