namespace Stratum.Lvm;

/// <summary>The LVM command exceeded its timeout and was killed; its effect is unknown.</summary>
public sealed class LvmTimeoutException : LvmException
{
    /// <summary>Creates the exception.</summary>
    public LvmTimeoutException(string message, IReadOnlyList<string>? command = null, int? exitCode = null, string? standardError = null, Exception? innerException = null)
        : base(message, command, exitCode, standardError, innerException)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => true;
}
