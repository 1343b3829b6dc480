namespace Stratum.Lvm;

/// <summary>Not enough space: free extents in the VG, data space in a thin pool, or enough PVs for the requested stripes/mirrors. Another node may succeed (RESOURCE_EXHAUSTED).</summary>
public sealed class LvmInsufficientSpaceException : LvmException
{
    /// <summary>Creates the exception.</summary>
    public LvmInsufficientSpaceException(string message, IReadOnlyList<string>? command = null, int? exitCode = null, string? standardError = null, Exception? innerException = null)
        : base(message, command, exitCode, standardError, innerException)
    {
    }
}
