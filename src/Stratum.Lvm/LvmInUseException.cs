namespace Stratum.Lvm;

/// <summary>
/// The LV is open (mounted, held by a process or another device), or has dependent LVs (COW
/// snapshots, thin volumes of a pool) that would be removed with it or that block a resize.
/// Maps to FAILED_PRECONDITION.
/// </summary>
public sealed class LvmInUseException : LvmException
{
    /// <summary>Creates the exception.</summary>
    public LvmInUseException(string message, IReadOnlyList<string>? command = null, int? exitCode = null, string? standardError = null, Exception? innerException = null)
        : base(message, command, exitCode, standardError, innerException)
    {
    }
}
