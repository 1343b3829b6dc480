namespace Stratum.Lvm;

/// <summary>
/// An argument failed validation before any LVM command was run (bad name, tag, device path,
/// size or option). Maps to INVALID_ARGUMENT.
/// </summary>
public sealed class LvmValidationException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public LvmValidationException(string message, string? paramName)
        : base(message, paramName)
    {
    }
}
