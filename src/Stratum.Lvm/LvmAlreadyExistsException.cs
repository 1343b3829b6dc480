namespace Stratum.Lvm;

/// <summary>The LV or VG name is taken, or the device already belongs to a VG.</summary>
public sealed class LvmAlreadyExistsException : LvmException
{
    /// <summary>Creates the exception.</summary>
    public LvmAlreadyExistsException(string message, IReadOnlyList<string>? command = null, int? exitCode = null, string? standardError = null, Exception? innerException = null)
        : base(message, command, exitCode, standardError, innerException)
    {
    }
}
