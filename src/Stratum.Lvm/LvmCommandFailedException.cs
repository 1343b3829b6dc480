namespace Stratum.Lvm;

/// <summary>Any other LVM failure, including a missing lvm binary and output that could not be parsed.</summary>
public sealed class LvmCommandFailedException : LvmException
{
    /// <summary>Creates the exception.</summary>
    public LvmCommandFailedException(string message, IReadOnlyList<string>? command = null, int? exitCode = null, string? standardError = null, Exception? innerException = null)
        : base(message, command, exitCode, standardError, innerException)
    {
    }
}
