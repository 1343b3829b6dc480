using Grpc.Core;
using Stratum.Lvm;
using Stratum.Lvm.Exec;
using Stratum.Volumes;

namespace Stratum.Csi.Services;

/// <summary>
/// The one place where engine and LVM failures become gRPC status codes. Services wrap each
/// handler in <see cref="Guard{T}"/>; anything unrecognised stays INTERNAL (with its message).
/// </summary>
public static class CsiErrors
{
    public static async Task<T> Guard<T>(Func<Task<T>> handler)
    {
        try
        {
            return await handler().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException and not OperationCanceledException && Map(ex) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>The status for a failure, or null to let it surface as INTERNAL.</summary>
    public static RpcException? Map(Exception exception) => exception switch
    {
        VolumeException v => new RpcException(new Status(Code(v.Error), v.Message, v)),
        LvmNotFoundException e => new RpcException(new Status(StatusCode.NotFound, e.Message, e)),
        LvmInsufficientSpaceException e => new RpcException(new Status(StatusCode.ResourceExhausted, e.Message, e)),
        LvmAlreadyExistsException e => new RpcException(new Status(StatusCode.AlreadyExists, e.Message, e)),
        LvmInUseException e => new RpcException(new Status(StatusCode.FailedPrecondition, e.Message, e)),
        LvmLockedException or LvmTimeoutException or CommandTimeoutException => new RpcException(new Status(StatusCode.Unavailable, $"{exception.Message} (transient; retry)", exception)),
        ArgumentException e => new RpcException(new Status(StatusCode.InvalidArgument, e.Message, e)),
        _ => null,
    };

    public static StatusCode Code(VolumeError error) => error switch
    {
        VolumeError.NotFound => StatusCode.NotFound,
        VolumeError.InvalidArgument => StatusCode.InvalidArgument,
        VolumeError.AlreadyExists => StatusCode.AlreadyExists,
        VolumeError.Busy => StatusCode.Aborted,
        VolumeError.NoSpace => StatusCode.ResourceExhausted,
        VolumeError.OutOfRange => StatusCode.OutOfRange,
        VolumeError.FailedPrecondition => StatusCode.FailedPrecondition,
        _ => StatusCode.Internal,
    };

    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
