using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Stratum.Lvm;

/// <summary>
/// The one allow-list for extra <c>lvcreate</c> options (device-class config, <c>lvcreate.extraOptions</c>).
/// Only long options that tune placement, read-ahead, raid or pools are accepted, each for the
/// segment types it means something for and with a value checked against a pattern; anything
/// else (e.g. <c>--yes</c>, <c>--force</c>, <c>--config</c>, <c>--type</c>, <c>--addtag</c>,
/// <c>--zero n</c>) and every positional word is refused, so config cannot change what Stratum
/// asked for or add PVs/VGs to the command. <see cref="LvmCli"/> checks every lvcreate against
/// it, and configuration validation (Stratum.Config) reports against the same table.
/// </summary>
/// <remarks>Accepted forms: <c>--opt value</c> (two words), <c>--opt=value</c>, and bare flags.</remarks>
public static partial class LvmExtraOptions
{
    /// <summary>Segment type names (as <c>lvcreate --type</c> spells them) an option can apply to.</summary>
    public const string Linear = "linear";

    public const string Striped = "striped";

    public const string Raid1 = "raid1";

    public const string ThinPool = "thin-pool";

    public const string Thin = "thin";

    private static readonly string[] Allocating = [Linear, Striped, Raid1, ThinPool];
    private static readonly string[] AllTypes = [Linear, Striped, Raid1, ThinPool, Thin];
    private static readonly string[] RaidOnly = [Raid1];
    private static readonly string[] PoolOnly = [ThinPool];

    private static readonly string[] AllocPolicies = ["normal", "contiguous", "cling", "cling_by_tags", "anywhere", "inherit"];

    private static readonly FrozenDictionary<string, ExtraOption> Allowed = new ExtraOption[]
    {
        new("--alloc", Allocating, AllocPolicy(), "one of " + string.Join(", ", AllocPolicies)),
        new("--contiguous", Allocating, YesNo(), "y or n"),
        new("--readahead", AllTypes, ReadAhead(), "auto, none or a number of 512-byte sectors (or with a unit: 128k)"),
        new("--regionsize", RaidOnly, Size(), "an LVM size such as 512k or 2m"),
        new("--nosync", RaidOnly, null, string.Empty),
        new("--maxrecoveryrate", RaidOnly, Size(), "an LVM size per second such as 100m"),
        new("--minrecoveryrate", RaidOnly, Size(), "an LVM size per second such as 10m"),
        new("--raidintegrity", RaidOnly, YesNo(), "y or n"),
        new("--raidintegritymode", RaidOnly, IntegrityMode(), "journal or bitmap"),
        new("--raidintegrityblocksize", RaidOnly, IntegrityBlockSize(), "512, 1024, 2048 or 4096"),
        new("--monitor", [Raid1, ThinPool], YesNo(), "y or n"),
        new("--chunksize", PoolOnly, Size(), "an LVM size such as 64k"),
        new("--poolmetadatasize", PoolOnly, Size(), "an LVM size such as 128m"),
        new("--poolmetadataspare", PoolOnly, YesNo(), "y or n"),
        new("--discards", PoolOnly, Discards(), "ignore, nopassdown or passdown"),
    }.ToFrozenDictionary(o => o.Name, StringComparer.Ordinal);

    /// <summary>The option names the allow-list accepts.</summary>
    public static IReadOnlyCollection<string> AllowedOptions => Allowed.Keys;

    /// <summary>The allowed options as messages list them, with the types each is limited to.</summary>
    public static string Summary { get; } = string.Join(", ", Allowed.Values.OrderBy(o => o.Name, StringComparer.Ordinal).Select(o =>
        o.AppliesTo.SequenceEqual(AllTypes) || o.AppliesTo.SequenceEqual(Allocating) ? o.Name : $"{o.Name} ({string.Join("/", o.AppliesTo)})"));

    /// <summary>The allowed option called <paramref name="name"/>, or null.</summary>
    public static ExtraOption? Find(string name) => Allowed.GetValueOrDefault(name);

    /// <summary>Why the options are unacceptable for some segment type, or <c>null</c> when they are fine.</summary>
    public static string? Check(IReadOnlyList<string>? options) => TryNormalize(options, null, out _);

    /// <summary>Why the options are unacceptable for <paramref name="segmentType"/>, or <c>null</c> when they are fine.</summary>
    public static string? Check(IReadOnlyList<string>? options, string segmentType) => TryNormalize(options, segmentType, out _);

    /// <summary>
    /// Checks the options (each must apply to some segment type) and returns them as separate
    /// words (<c>--opt</c>, <c>value</c>) ready to append to an lvcreate argv.
    /// </summary>
    /// <exception cref="LvmValidationException">An option is not allowed or has a bad value.</exception>
    public static ImmutableArray<string> Normalize(IReadOnlyList<string>? options) => Normalize(options, null, "extraOptions");

    /// <summary>As <see cref="Normalize(IReadOnlyList{string}?)"/>, for an LV of <paramref name="segmentType"/> (null: any).</summary>
    /// <exception cref="LvmValidationException">An option is not allowed, not for this type, or has a bad value.</exception>
    public static ImmutableArray<string> Normalize(IReadOnlyList<string>? options, string? segmentType, string paramName = "extraOptions")
    {
        var error = TryNormalize(options, segmentType, out var result);
        return error is null ? result : throw new LvmValidationException(error, paramName);
    }

    private static string? TryNormalize(IReadOnlyList<string>? options, string? segmentType, out ImmutableArray<string> normalized)
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

            if (!Allowed.TryGetValue(name, out var option))
            {
                return $"extra option '{name}' is not allowed (allowed: {Summary})";
            }

            if (option.RefusalFor(segmentType) is { } refusal)
            {
                return $"extra option {refusal}";
            }

            if (!seen.Add(name))
            {
                return $"extra option '{name}' is given more than once";
            }

            result.Add(name);
            if (!option.TakesValue)
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

            if (!option.IsValid(value))
            {
                return $"extra option '{name}' has an invalid value '{value}' (must be {option.ValueHint})";
            }

            result.Add(value);
        }

        normalized = result.ToImmutable();
        return null;
    }

    [GeneratedRegex(@"^(?:normal|contiguous|cling|cling_by_tags|anywhere|inherit)\z", RegexOptions.CultureInvariant)]
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

/// <summary>One allowed extra lvcreate option.</summary>
/// <param name="Name">The long option, e.g. <c>--alloc</c>.</param>
/// <param name="AppliesTo">The segment types (<see cref="LvmExtraOptions.Linear"/>, ...) it may be given for.</param>
/// <param name="Value">The pattern its value must match; null for a flag that takes none.</param>
/// <param name="ValueHint">What a valid value looks like, for messages.</param>
public sealed record ExtraOption(string Name, IReadOnlyList<string> AppliesTo, Regex? Value, string ValueHint)
{
    public bool TakesValue => Value is not null;

    public bool IsValid(string value) => Value is null || Value.IsMatch(value);

    /// <summary>Why the option cannot be given for <paramref name="segmentType"/> (null: any type), or null.</summary>
    public string? RefusalFor(string? segmentType) =>
        segmentType is null || AppliesTo.Contains(segmentType, StringComparer.Ordinal)
            ? null
            : $"'{Name}' is only allowed for type {string.Join(" or ", AppliesTo)}, not {segmentType}";
}
