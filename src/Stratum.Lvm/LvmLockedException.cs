namespace Stratum.Lvm;

/// <summary>LVM could not get a lock (another command holds the VG); retrying later may succeed.</summary>
public sealed class LvmLockedException : LvmException
{
    /// <summary>Creates the exception.</summary>
    public LvmLockedException(string message, IReadOnlyList<string>? command = null, int? exitCode = null, string? standardError = null, Exception? innerException = null)
        : base(message, command, exitCode, standardError, innerException)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => true;
}
