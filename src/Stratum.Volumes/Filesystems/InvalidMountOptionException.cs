namespace Stratum.Volumes.Filesystems;

/// <summary>A mount option was refused by <see cref="MountOptions.Validate"/>; nothing was mounted.</summary>
public sealed class InvalidMountOptionException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="index">Position of the offending option in the list.</param>
    /// <param name="option">The option as given (may be null).</param>
    /// <param name="reason">Why it was refused, for humans.</param>
    /// <param name="paramName">The parameter that held the list.</param>
    public InvalidMountOptionException(int index, string? option, string reason, string? paramName)
        : base($"Mount option {index} {MountOptions.Display(option)} is not allowed: {reason}", paramName)
    {
        Index = index;
        Option = option;
        Reason = reason;
    }

    /// <summary>Position of the offending option in the list.</summary>
    public int Index { get; }

    /// <summary>The option as given (may be null).</summary>
    public string? Option { get; }

    /// <summary>Why it was refused.</summary>
    public string Reason { get; }
}
