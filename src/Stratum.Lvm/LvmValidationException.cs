namespace Stratum.Lvm;

/// <summary>
/// An argument failed validation before any LVM command was run (bad name, tag, device path,
/// size or option). The engine only passes values it checked or built itself, so above it this
/// is a programming error (INTERNAL), never the CSI caller's fault.
/// </summary>
public sealed class LvmValidationException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public LvmValidationException(string message, string? paramName)
        : base(message, paramName)
    {
    }
}
