using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Stratum.Lvm;

/// <summary>
/// The allow-list for extra <c>lvcreate</c> options coming from device-class config. Only long
/// options that tune allocation, read-ahead, pools or raid are accepted, each with a value checked
/// against a pattern; anything else (e.g. <c>--yes</c>, <c>--force</c>, <c>--config</c>,
/// <c>--type</c>, <c>--addtag</c>, <c>--zero n</c>) and every positional word is refused, so
/// config cannot change what Stratum asked for or add PVs/VGs to the command.
/// </summary>
/// <remarks>Accepted forms: <c>--opt value</c> (two words), <c>--opt=value</c>, and bare flags.</remarks>
public static partial class LvmExtraOptions
{
    private static readonly FrozenDictionary<string, Regex?> Allowed = new Dictionary<string, Regex?>(StringComparer.Ordinal)
    {
        ["--alloc"] = AllocPolicy(),
        ["--contiguous"] = YesNo(),
        ["--readahead"] = ReadAhead(),
        ["--chunksize"] = Size(),
        ["--poolmetadatasize"] = Size(),
        ["--poolmetadataspare"] = YesNo(),
        ["--discards"] = Discards(),
        ["--regionsize"] = Size(),
        ["--nosync"] = null,
        ["--maxrecoveryrate"] = Size(),
        ["--minrecoveryrate"] = Size(),
        ["--monitor"] = YesNo(),
        ["--raidintegrity"] = YesNo(),
        ["--raidintegritymode"] = IntegrityMode(),
        ["--raidintegrityblocksize"] = IntegrityBlockSize(),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The option names the allow-list accepts.</summary>
    public static IReadOnlyCollection<string> AllowedOptions => Allowed.Keys;

    /// <summary>Why the options are unacceptable, or <c>null</c> when they are fine.</summary>
    public static string? Check(IReadOnlyList<string>? options) => TryNormalize(options, out _);

    /// <summary>
    /// Checks the options and returns them as separate words (<c>--opt</c>, <c>value</c>) ready to
    /// append to an lvcreate argv.
    /// </summary>
    /// <exception cref="LvmValidationException">An option is not allowed or has a bad value.</exception>
    public static ImmutableArray<string> Normalize(IReadOnlyList<string>? options, string paramName = "extraOptions")
    {
        var error = TryNormalize(options, out var result);
        return error is null ? result : throw new LvmValidationException(error, paramName);
    }

    private static string? TryNormalize(IReadOnlyList<string>? options, out ImmutableArray<string> normalized)
    {
        normalized = [];
        if (options is null || options.Count == 0)
        {
            return null;
        }

        var result = ImmutableArray.CreateBuilder<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Count; i++)
        {
            var word = options[i];
            if (word is null)
            {
                return "extra option is null";
            }

            if (!word.StartsWith("--", StringComparison.Ordinal))
            {
                return $"extra option '{word}' is not allowed: only long options (--name) are accepted, never positional words";
            }

            var name = word;
            string? inlineValue = null;
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                name = word[..eq];
                inlineValue = word[(eq + 1)..];
            }

            if (!Allowed.TryGetValue(name, out var valuePattern))
            {
                return $"extra option '{name}' is not allowed (allowed: {string.Join(", ", Allowed.Keys.Order(StringComparer.Ordinal))})";
            }

            if (!seen.Add(name))
            {
                return $"extra option '{name}' is given more than once";
            }

            result.Add(name);
            if (valuePattern is null)
            {
                if (inlineValue is not null)
                {
                    return $"extra option '{name}' takes no value";
                }

                continue;
            }

            var value = inlineValue ?? (i + 1 < options.Count ? options[++i] : null);
            if (value is null)
            {
                return $"extra option '{name}' needs a value";
            }

            if (!valuePattern.IsMatch(value))
            {
                return $"extra option '{name}' has an invalid value '{value}'";
            }

            result.Add(value);
        }

        normalized = result.ToImmutable();
        return null;
    }

    [GeneratedRegex(@"^(?:contiguous|cling|cling_by_tags|normal|anywhere|inherit)\z", RegexOptions.CultureInvariant)]
    private static partial Regex AllocPolicy();

    [GeneratedRegex(@"^[yn]\z", RegexOptions.CultureInvariant)]
    private static partial Regex YesNo();

    [GeneratedRegex(@"^(?:auto|none|[0-9]{1,12}[bBsSkKmM]?)\z", RegexOptions.CultureInvariant)]
    private static partial Regex ReadAhead();

    [GeneratedRegex(@"^[0-9]{1,15}(?:\.[0-9]{1,6})?[bBsSkKmMgGtT]?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Size();

    [GeneratedRegex(@"^(?:ignore|nopassdown|passdown)\z", RegexOptions.CultureInvariant)]
    private static partial Regex Discards();

    [GeneratedRegex(@"^(?:journal|bitmap)\z", RegexOptions.CultureInvariant)]
    private static partial Regex IntegrityMode();

    [GeneratedRegex(@"^(?:512|1024|2048|4096)\z", RegexOptions.CultureInvariant)]
    private static partial Regex IntegrityBlockSize();
}
