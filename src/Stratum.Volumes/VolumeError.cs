namespace Stratum.Volumes;

/// <summary>What went wrong, in terms the CSI layer maps to gRPC codes at one place.</summary>
public enum VolumeError
{
    /// <summary>The volume (or what the request names) does not exist.</summary>
    NotFound,

    /// <summary>The request itself is wrong (unknown device class, bad parameter, unsupported capability).</summary>
    InvalidArgument,

    /// <summary>Something with this name/path exists and is incompatible with the request.</summary>
    AlreadyExists,

    /// <summary>Another operation on the same volume is running; retry later.</summary>
    Busy,

    /// <summary>Not enough free space (after the class's spare) to satisfy the request.</summary>
    NoSpace,

    /// <summary>The requested capacity range cannot be honoured (e.g. limit below the rounded size).</summary>
    OutOfRange,

    /// <summary>The system is not in a state that allows the operation (device in use, foreign data on it).</summary>
    FailedPrecondition,

    /// <summary>Something this node depends on is busy or slow right now (an LVM lock held elsewhere, a command that timed out); retrying later may succeed.</summary>
    Unavailable,

    /// <summary>A fault of Stratum or its environment (a command failed unexpectedly).</summary>
    Internal,
}

/// <summary>An engine failure with its kind and an explanation meant for the person reading the event.</summary>
public sealed class VolumeException : Exception
{
    public VolumeException(VolumeError error, string message)
        : base(message) => Error = error;

    public VolumeException(VolumeError error, string message, Exception inner)
        : base(message, inner) => Error = error;

    public VolumeError Error { get; }
}
