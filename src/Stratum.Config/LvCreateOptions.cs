using Stratum.Lvm;

namespace Stratum.Config;

/// <summary>
/// Checks a device class's <c>lvcreate.extraOptions</c> item by item against the one allow-list,
/// <see cref="LvmExtraOptions"/> (which LvmCli also applies to every lvcreate), and explains each
/// refusal. Stratum owns the arguments that decide what a volume is (name, size, tags, type,
/// wiping, prompts); the reasons below say which setting to use instead.
/// </summary>
internal static class LvCreateOptions
{
    private static readonly Dictionary<string, (bool TakesValue, string Reason)> Forbidden = new(StringComparer.Ordinal)
    {
        ["--addtag"] = (true, "tags are Stratum's: it tags every volume it owns"),
        ["--deltag"] = (true, "tags are Stratum's: it tags every volume it owns"),
        ["--wipesignatures"] = (true, "Stratum sets it"),
        ["-W"] = (true, "Stratum sets it"),
        ["--zero"] = (true, "Stratum sets it"),
        ["-Z"] = (true, "Stratum sets it"),
        ["--yes"] = (false, "it would make lvcreate skip its safety prompts"),
        ["-y"] = (false, "it would make lvcreate skip its safety prompts"),
        ["--force"] = (false, "it would make lvcreate skip its safety checks"),
        ["-f"] = (false, "it would make lvcreate skip its safety checks"),
        ["--config"] = (true, "it would override the LVM configuration"),
        ["--commandprofile"] = (true, "it would override the LVM configuration"),
        ["--profile"] = (true, "it would override the LVM configuration"),
        ["--metadataprofile"] = (true, "it would override the LVM configuration"),
        ["--type"] = (true, "use lvcreate.type"),
        ["--stripes"] = (true, "use lvcreate.stripes"),
        ["-i"] = (true, "use lvcreate.stripes"),
        ["--stripesize"] = (true, "use lvcreate.stripeSize"),
        ["-I"] = (true, "use lvcreate.stripeSize"),
        ["--mirrors"] = (true, "use lvcreate.mirrors"),
        ["-m"] = (true, "use lvcreate.mirrors"),
        ["--size"] = (true, "Stratum sets it for each volume"),
        ["-L"] = (true, "Stratum sets it for each volume"),
        ["--extents"] = (true, "Stratum sets it for each volume"),
        ["-l"] = (true, "Stratum sets it for each volume"),
        ["--name"] = (true, "Stratum sets it for each volume"),
        ["-n"] = (true, "Stratum sets it for each volume"),
        ["--activate"] = (true, "Stratum activates its volumes itself"),
        ["-a"] = (true, "Stratum activates its volumes itself"),
    };

    /// <summary>The allowed options as the documentation and error messages list them.</summary>
    public static string AllowedSummary => LvmExtraOptions.Summary;

    /// <summary>
    /// Checks <paramref name="items"/> (one argument per item) for a class of type <paramref name="type"/>,
    /// reporting each problem with the index of the item it is about, and returns the arguments
    /// normalized to separate tokens (<c>--alloc=cling</c> becomes <c>--alloc</c>, <c>cling</c>).
    /// </summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<string?> items, LvType type, Action<int, string> report)
    {
        var arguments = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (string.IsNullOrEmpty(item))
            {
                report(i, "extraOptions items must not be empty");
                continue;
            }

            if (item.Any(char.IsWhiteSpace))
            {
                report(i, $"extraOptions item '{item}' contains whitespace: give each argument its own list item, e.g. [\"--alloc\", \"cling\"]");
                continue;
            }

            if (!item.StartsWith('-') || item is "-" or "--")
            {
                report(i, $"'{item}' is a positional argument: extraOptions may only hold allowed options ({AllowedSummary}) and their values");
                continue;
            }

            var equals = item.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? item : item[..equals];
            var inlineValue = equals < 0 ? null : item[(equals + 1)..];

            if (Forbidden.TryGetValue(name, out var forbidden))
            {
                report(i, $"'{name}' is not allowed in extraOptions: {forbidden.Reason}");
                i = forbidden.TakesValue && inlineValue is null ? SkipValue(items, i) : i;
                continue;
            }

            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                report(i, $"'{name}' is not allowed in extraOptions: only long options are ({AllowedSummary})");
                i = inlineValue is null ? SkipValue(items, i) : i;
                continue;
            }

            if (LvmExtraOptions.Find(name) is not { } option)
            {
                var hint = KeySuggester.Suggest(name, LvmExtraOptions.AllowedOptions) is { } suggestion ? $"did you mean '{suggestion}'? " : string.Empty;
                report(i, $"'{name}' is not an allowed lvcreate option; {hint}allowed: {AllowedSummary}");
                i = inlineValue is null ? SkipValue(items, i) : i;
                continue;
            }

            var ok = true;
            if (option.RefusalFor(type.ToName()) is { } refusal)
            {
                report(i, refusal);
                ok = false;
            }

            if (!seen.Add(name))
            {
                report(i, $"'{name}' is given more than once");
                ok = false;
            }

            string? value = null;
            if (option.TakesValue)
            {
                var valueIndex = i;
                value = inlineValue;
                if (value is null && i + 1 < items.Count && items[i + 1] is { Length: > 0 } next && !next.StartsWith('-'))
                {
                    value = next;
                    valueIndex = ++i;
                }

                if (string.IsNullOrEmpty(value))
                {
                    report(valueIndex, $"'{name}' needs a value: {option.ValueHint}");
                    ok = false;
                }
                else if (!option.IsValid(value))
                {
                    report(valueIndex, $"'{name}' must be {option.ValueHint}, not '{value}'");
                    ok = false;
                }
            }
            else if (inlineValue is not null)
            {
                report(i, $"'{name}' takes no value");
                ok = false;
            }

            if (ok)
            {
                arguments.Add(name);
                if (value is not null)
                {
                    arguments.Add(value);
                }
            }
        }

        return arguments;
    }

    /// <summary>Steps over the value of a rejected option, so it is not reported again as a positional argument.</summary>
    private static int SkipValue(IReadOnlyList<string?> items, int index) =>
        index + 1 < items.Count && items[index + 1] is { Length: > 0 } next && !next.StartsWith('-') ? index + 1 : index;
}
