namespace Stratum.Lvm;

/// <summary>The VG, LV, PV, thin pool, snapshot origin or device does not exist.</summary>
public sealed class LvmNotFoundException : LvmException
{
    /// <summary>Creates the exception.</summary>
    public LvmNotFoundException(string message, IReadOnlyList<string>? command = null, int? exitCode = null, string? standardError = null, Exception? innerException = null)
        : base(message, command, exitCode, standardError, innerException)
    {
    }
}
