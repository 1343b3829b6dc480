using System.Collections.Immutable;
using System.Text;

namespace Stratum.Platform.Exec;

/// <summary>
/// One program invocation: an executable and its argument vector. There is deliberately no
/// shell and no command string; every argument reaches the program exactly as given.
/// </summary>
public sealed record CommandSpec
{
    /// <summary>Creates a spec for <paramref name="executable"/> with the given arguments.</summary>
    /// <param name="executable">Program name (looked up in PATH) or absolute path.</param>
    /// <param name="arguments">The argument vector, without the program name.</param>
    public CommandSpec(string executable, IEnumerable<string> arguments)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executable);
        ArgumentNullException.ThrowIfNull(arguments);
        if (executable.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The executable name contains a NUL character.", nameof(executable));
        }

        var args = arguments.ToImmutableArray();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is null)
            {
                throw new ArgumentException($"Argument {i} is null.", nameof(arguments));
            }

            if (args[i].Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Argument {i} contains a NUL character.", nameof(arguments));
            }
        }

        Executable = executable;
        Arguments = args;
    }

    /// <summary>Creates a spec for <paramref name="executable"/> with the given arguments.</summary>
    public CommandSpec(string executable, params ReadOnlySpan<string> arguments)
        : this(executable, (IEnumerable<string>)arguments.ToArray())
    {
    }

    /// <summary>Program name (looked up in PATH) or absolute path.</summary>
    public string Executable { get; }

    /// <summary>The argument vector, without the program name.</summary>
    public ImmutableArray<string> Arguments { get; }

    /// <summary>Per-call timeout; <c>null</c> uses <see cref="CommandRunnerOptions.DefaultTimeout"/>.</summary>
    public TimeSpan? Timeout
    {
        get;
        init
        {
            if (value is { } t && t <= TimeSpan.Zero && t != System.Threading.Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(Timeout), t, "The timeout must be positive or infinite.");
            }

            field = value;
        }
    }

    /// <summary>
    /// Whether the command changes state (lvcreate, mkfs, mount, ...). A mutation is never killed
    /// because the caller's cancellation token fired: it runs until it exits or its own
    /// <see cref="Timeout"/> elapses, so it cannot be cut off half-way by a caller that gave up
    /// (a gRPC deadline, say), and the caller gets its outcome. Reads (reports, probes) are
    /// killed on cancellation as usual.
    /// </summary>
    public bool Mutates { get; init; }

    /// <summary>
    /// Text written to the child's standard input, which is then closed. When <c>null</c> the
    /// child's standard input is closed at once (it reads end-of-file, never the parent's stdin).
    /// Never logged.
    /// </summary>
    public string? StandardInput { get; init; }

    /// <summary>Extra environment variables for this call (applied after the runner's own).</summary>
    public ImmutableDictionary<string, string> Environment { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <inheritdoc />
    public bool Equals(CommandSpec? other) =>
        other is not null
        && Executable == other.Executable
        && Arguments.SequenceEqual(other.Arguments)
        && Timeout == other.Timeout
        && Mutates == other.Mutates
        && StandardInput == other.StandardInput
        && Environment.Count == other.Environment.Count
        && Environment.All(kv => other.Environment.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Executable);
        foreach (var arg in Arguments)
        {
            hash.Add(arg);
        }

        hash.Add(Timeout);
        hash.Add(Mutates);
        hash.Add(StandardInput);
        return hash.ToHashCode();
    }

    /// <summary>A readable, shell-like rendering for messages (quoting is for display only).</summary>
    public override string ToString() => Render(Executable, Arguments);

    internal static string Render(string executable, IEnumerable<string> arguments)
    {
        var sb = new StringBuilder(Quote(executable));
        foreach (var arg in arguments)
        {
            sb.Append(' ').Append(Quote(arg));
        }

        return sb.ToString();
    }

    private static string Quote(string s)
    {
        if (s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@+%#".Contains(c, StringComparison.Ordinal)))
        {
            return s;
        }

        return "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
