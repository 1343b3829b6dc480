using Stratum.Lvm;
using Stratum.Platform.Exec;
using Stratum.Volumes.Filesystems;

namespace Stratum.Volumes;

/// <summary>
/// The engine's error boundary: every public operation of <see cref="VolumeEngine"/> and
/// <see cref="NodeVolumes"/> runs inside <see cref="Run{T}"/>, which turns the failures of the
/// layers below (LVM's typed errors, the runner's, the filesystem tools') into
/// <see cref="VolumeException"/>s of the matching <see cref="VolumeError"/> kind, message kept.
/// Programming errors (an <see cref="ArgumentException"/> from a bad call, a null dereference...)
/// are deliberately not translated: they surface as what they are, so the CSI layer reports them
/// as internal errors and logs them, never as the caller's fault.
/// </summary>
public static class VolumeErrors
{
    /// <summary>Runs <paramref name="operation"/>, translating the failures of the layers below.</summary>
    public static async Task<T> Run<T>(Func<Task<T>> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex) is { } translated)
        {
            throw translated;
        }
    }

    /// <inheritdoc cref="Run{T}(Func{Task{T}})"/>
    public static Task Run(Func<Task> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return Run(async () =>
        {
            await operation().ConfigureAwait(false);
            return true;
        });
    }

    /// <summary>The engine error for a failure of a layer below, or null when it is not one (a bug, or already a <see cref="VolumeException"/>).</summary>
    public static VolumeException? Translate(Exception exception) => exception switch
    {
        VolumeException => null,
        LvmNotFoundException e => new VolumeException(VolumeError.NotFound, e.Message, e),
        LvmInsufficientSpaceException e => new VolumeException(VolumeError.NoSpace, e.Message, e),
        LvmAlreadyExistsException e => new VolumeException(VolumeError.AlreadyExists, e.Message, e),
        LvmInUseException e => new VolumeException(VolumeError.FailedPrecondition, e.Message, e),
        LvmLockedException or LvmTimeoutException => new VolumeException(VolumeError.Unavailable, $"{exception.Message} (transient; retry)", exception),
        LvmException e => new VolumeException(VolumeError.Internal, e.Message, e), // LVM refused or failed a command Stratum built
        FilesystemCommandException { IsTimeout: true } e => new VolumeException(VolumeError.Unavailable, $"{e.Message} (transient; retry)", e),
        FilesystemCommandException e => new VolumeException(VolumeError.Internal, e.Message, e),
        InvalidMountOptionException e => new VolumeException(VolumeError.InvalidArgument, e.Message, e),
        CommandTimeoutException e => new VolumeException(VolumeError.Unavailable, $"{e.Message} (transient; retry)", e),
        CommandException e => new VolumeException(VolumeError.Internal, e.Message, e),
        IOException or UnauthorizedAccessException => new VolumeException(VolumeError.Internal, exception.Message, exception),
        _ => null,
    };
}
