using System.Collections.Immutable;

namespace Stratum.Platform.Exec;

/// <summary>Settings shared by every command the <see cref="CommandRunner"/> starts.</summary>
public sealed record CommandRunnerOptions
{
    /// <summary>Timeout for commands whose <see cref="CommandSpec.Timeout"/> is unset. Default 2 minutes.</summary>
    public TimeSpan DefaultTimeout
    {
        get;
        init
        {
            if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(DefaultTimeout), value, "The timeout must be positive or infinite.");
            }

            field = value;
        }
    } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Words put before every command, e.g. <c>["nsenter", "--mount=/proc/1/ns/mnt", "--"]</c> so a
    /// containerised plugin runs the host's tools. Empty (the default) runs commands directly.
    /// </summary>
    public ImmutableArray<string> CommandPrefix
    {
        get;
        init
        {
            if (!value.IsDefaultOrEmpty && value.Any(string.IsNullOrWhiteSpace))
            {
                throw new ArgumentException("Command prefix words must not be empty.", nameof(CommandPrefix));
            }

            field = value.IsDefault ? [] : value;
        }
    } = [];

    /// <summary>
    /// Environment variables set for every command. <c>LC_ALL</c> and <c>LANG</c> are always
    /// forced to <c>C</c> afterwards, whatever is given here.
    /// </summary>
    public ImmutableDictionary<string, string> Environment { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>How long to wait for a killed process and its pipes before giving up on them. Default 5 s.</summary>
    public TimeSpan KillGracePeriod
    {
        get;
        init
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(KillGracePeriod), value, "The grace period must be positive.");
            }

            field = value;
        }
    } = TimeSpan.FromSeconds(5);
}
