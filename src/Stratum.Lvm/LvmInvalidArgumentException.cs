namespace Stratum.Lvm;

/// <summary>LVM rejected the command line (exit code 3 or "Invalid argument"); our own validation should normally have caught this first.</summary>
public sealed class LvmInvalidArgumentException : LvmException
{
    /// <summary>Creates the exception.</summary>
    public LvmInvalidArgumentException(string message, IReadOnlyList<string>? command = null, int? exitCode = null, string? standardError = null, Exception? innerException = null)
        : base(message, command, exitCode, standardError, innerException)
    {
    }
}
