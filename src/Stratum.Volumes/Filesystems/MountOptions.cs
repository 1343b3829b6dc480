using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Stratum.Volumes.Filesystems;

/// <summary>
/// The gate every mount option passes before it reaches <c>mount -o</c>. Options come from users
/// (a StorageClass's <c>mountOptions</c>, i.e. CSI <c>mount_flags</c>) as well as from the engine,
/// and they are joined with commas into one <c>-o</c> argument, so each list element must be
/// exactly one option and must not be able to change what is mounted, where, or how.
/// </summary>
/// <remarks>
/// <para>Syntax (each element):</para>
/// <list type="bullet">
/// <item>non-empty, at most <see cref="MaxOptionLength"/> characters, at most <see cref="MaxOptions"/> elements;</item>
/// <item>printable ASCII only: no whitespace, no control characters (NUL, newline, ...), nothing non-ASCII;</item>
/// <item>no <c>,</c> (one option per element), no quotes and no backslash (libmount gives them meaning);</item>
/// <item><c>name</c> or <c>name=value</c>; the name starts with a letter, digit or <c>_</c> and
///   continues with letters, digits, <c>_</c>, <c>-</c>, <c>.</c>.</item>
/// </list>
/// <para>Refused by name (case-insensitive), because Stratum or kubelet decides these, or because they
/// reach beyond the volume:</para>
/// <list type="bullet">
/// <item><c>remount</c>, <c>bind</c>, <c>rbind</c>, <c>move</c>: Stratum decides how and when a volume is (re)mounted;</item>
/// <item><c>shared</c>, <c>rshared</c>, <c>slave</c>, <c>rslave</c>, <c>private</c>, <c>rprivate</c>,
///   <c>unbindable</c>, <c>runbindable</c>: mount propagation belongs to kubelet;</item>
/// <item><c>loop</c>, <c>offset</c>, <c>sizelimit</c>, <c>encryption</c>: would make mount(8) set up loop devices;</item>
/// <item><c>helper</c> and every <c>X-</c>/<c>x-</c> option (<c>X-mount.mkdir</c>, <c>X-mount.owner</c>,
///   <c>X-mount.idmap</c>, <c>x-systemd.*</c>...): they drive mount(8) itself or external helpers, not the kernel;</item>
/// <item><c>user</c>, <c>users</c>, <c>owner</c>, <c>group</c>: fstab permission options, meaningless for a root mount;</item>
/// <item><c>device</c> (btrfs), <c>logdev</c>, <c>rtdev</c> (xfs), <c>journal_dev</c>, <c>journal_path</c> (ext4):
///   would attach another block device of the node to the volume's filesystem;</item>
/// <item><c>errors=panic</c> (ext4): one corrupt volume would crash the whole node.</item>
/// </list>
/// <para>Deliberately allowed: <c>suid</c>, <c>dev</c>, <c>exec</c> and <c>defaults</c> (they are what a root mount
/// gets anyway, so refusing them protects nothing; the engine adds <c>nosuid</c>/<c>nodev</c> when its policy
/// wants them), <c>ro</c>/<c>rw</c> (a read-only bind mount puts its <c>ro</c> last, so a user's <c>rw</c>
/// cannot undo it), SELinux <c>context=</c> options without commas. An SELinux context with MCS categories
/// (<c>context="...:s0:c1,c2"</c>) needs a comma and quotes and is therefore refused.</para>
/// </remarks>
public static class MountOptions
{
    /// <summary>Longest single option accepted.</summary>
    public const int MaxOptionLength = 256;

    /// <summary>Most options accepted in one list (the kernel takes one page of options in all).</summary>
    public const int MaxOptions = 64;

    private const string DecidedByStratum = "Stratum decides how and when a volume is mounted, bind-mounted or remounted";
    private const string Propagation = "mount propagation is decided by kubelet, not by mount options";
    private const string Loop = "it would make mount(8) set up a loop device";
    private const string UserspaceHelper = "userspace options (X-*, x-*, helper=) drive mount(8) or external helpers, not the kernel";
    private const string FstabPermission = "fstab permission options do not apply to a volume mounted by the driver";
    private const string OtherDevice = "it would attach another block device of the node to the volume's filesystem";

    private static readonly FrozenDictionary<string, string> Refused = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["remount"] = DecidedByStratum,
        ["bind"] = DecidedByStratum,
        ["rbind"] = DecidedByStratum,
        ["move"] = DecidedByStratum,
        ["shared"] = Propagation,
        ["rshared"] = Propagation,
        ["slave"] = Propagation,
        ["rslave"] = Propagation,
        ["private"] = Propagation,
        ["rprivate"] = Propagation,
        ["unbindable"] = Propagation,
        ["runbindable"] = Propagation,
        ["loop"] = Loop,
        ["offset"] = Loop,
        ["sizelimit"] = Loop,
        ["encryption"] = Loop,
        ["helper"] = UserspaceHelper,
        ["user"] = FstabPermission,
        ["users"] = FstabPermission,
        ["owner"] = FstabPermission,
        ["group"] = FstabPermission,
        ["device"] = OtherDevice,
        ["logdev"] = OtherDevice,
        ["rtdev"] = OtherDevice,
        ["journal_dev"] = OtherDevice,
        ["journal_path"] = OtherDevice,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Throws <see cref="InvalidMountOptionException"/> for the first option that breaks the rules.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="InvalidMountOptionException">An option is malformed or refused.</exception>
    public static void Validate(IReadOnlyList<string> options, string? paramName = "options")
    {
        ArgumentNullException.ThrowIfNull(options, paramName);
        if (options.Count > MaxOptions)
        {
            throw new InvalidMountOptionException(MaxOptions, options[MaxOptions], $"at most {MaxOptions} mount options are accepted (got {options.Count})", paramName);
        }

        for (var i = 0; i < options.Count; i++)
        {
            if (Check(options[i]) is { } reason)
            {
                throw new InvalidMountOptionException(i, options[i], reason, paramName);
            }
        }
    }

    /// <summary>Why <paramref name="option"/> is refused, or <c>null</c> when it is acceptable.</summary>
    public static string? Check(string? option)
    {
        if (option is null)
        {
            return "it is null";
        }

        if (option.Length == 0)
        {
            return "it is empty";
        }

        if (option.Length > MaxOptionLength)
        {
            return $"it is longer than {MaxOptionLength} characters";
        }

        foreach (var c in option)
        {
            switch (c)
            {
                case ',':
                    return "it contains ',': give exactly one option per list element";
                case '"' or '\'' or '\\':
                    return "it contains a quote or a backslash, which libmount interprets";
                case ' ' or '\t' or '\n' or '\r' or '\v' or '\f':
                    return "it contains whitespace";
                case < ' ' or '\x7f':
                    return "it contains a control character";
                case > '\x7f':
                    return "it contains a non-ASCII character";
                default:
                    break;
            }
        }

        var equals = option.IndexOf('=', StringComparison.Ordinal);
        var name = equals < 0 ? option : option[..equals];
        if (name.Length == 0)
        {
            return "it has no name before '='";
        }

        if (!(char.IsAsciiLetterOrDigit(name[0]) || name[0] == '_'))
        {
            return "its name must start with a letter, a digit or '_'";
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return $"its name contains '{c}'";
            }
        }

        if (name.StartsWith("x-", StringComparison.OrdinalIgnoreCase))
        {
            return UserspaceHelper;
        }

        if (Refused.TryGetValue(name, out var why))
        {
            return why;
        }

        if (equals >= 0 && name.Equals("errors", StringComparison.OrdinalIgnoreCase)
            && option.AsSpan(equals + 1).Equals("panic", StringComparison.OrdinalIgnoreCase))
        {
            return "errors=panic would crash the whole node on one volume's filesystem error";
        }

        return null;
    }

    /// <summary>The option quoted for messages, with anything unprintable escaped (it may be an injection attempt).</summary>
    internal static string Display(string? option)
    {
        if (option is null)
        {
            return "(null)";
        }

        var sb = new StringBuilder("'");
        foreach (var c in option.Length > MaxOptionLength ? option[..MaxOptionLength] : option)
        {
            if (c is >= ' ' and < '\x7f')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return sb.Append(option.Length > MaxOptionLength ? "'..." : "'").ToString();
    }
}
