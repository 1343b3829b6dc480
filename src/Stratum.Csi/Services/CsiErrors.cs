using Grpc.Core;
using Stratum.Volumes;

namespace Stratum.Csi.Services;

/// <summary>
/// The one place where engine failures become gRPC status codes. The engine reports every failure
/// of its own and of the layers below it (LVM, the command runner, the filesystem tools) as a
/// <see cref="VolumeException"/>; services wrap each handler in <see cref="Guard{T}"/>, which maps
/// those and nothing else. Anything else is a bug: it passes through to the call interceptor,
/// which logs it and answers INTERNAL, never a code that blames the caller.
/// </summary>
public static class CsiErrors
{
    public static async Task<T> Guard<T>(Func<Task<T>> handler)
    {
        try
        {
            return await handler().ConfigureAwait(false);
        }
        catch (VolumeException ex)
        {
            throw Map(ex);
        }
    }

    /// <summary>The status for an engine failure.</summary>
    public static RpcException Map(VolumeException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new RpcException(new Status(Code(exception.Error), exception.Message, exception));
    }

    public static StatusCode Code(VolumeError error) => error switch
    {
        VolumeError.NotFound => StatusCode.NotFound,
        VolumeError.InvalidArgument => StatusCode.InvalidArgument,
        VolumeError.AlreadyExists => StatusCode.AlreadyExists,
        VolumeError.Busy => StatusCode.Aborted,
        VolumeError.NoSpace => StatusCode.ResourceExhausted,
        VolumeError.OutOfRange => StatusCode.OutOfRange,
        VolumeError.FailedPrecondition => StatusCode.FailedPrecondition,
        VolumeError.Unavailable => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };

    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
