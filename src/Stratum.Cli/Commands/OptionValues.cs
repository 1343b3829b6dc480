using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Stratum.Cli.Commands;

/// <summary>
/// Options whose values are parsed with messages written for people: the flag, the bad value
/// and what is accepted, never a .NET type name (System.CommandLine's default says
/// "as expected type 'System.Double'").
/// </summary>
internal static class OptionValues
{
    /// <summary>An enum option; names are matched case-insensitively, numbers are refused.</summary>
    public static Option<T> Enum<T>(string name, string description, T defaultValue)
        where T : struct, System.Enum
    {
        var accepted = string.Join(", ", System.Enum.GetNames<T>());
        return new Option<T>(name)
        {
            Description = $"{description} One of: {accepted}.",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result =>
            {
                var text = Single(result);
                if (text.Length > 0 && !char.IsAsciiDigit(text[0]) && text[0] != '-'
                    && System.Enum.TryParse<T>(text, ignoreCase: true, out var value) && System.Enum.IsDefined(value))
                {
                    return value;
                }

                result.AddError($"{name}: '{text}' is not one of: {accepted}");
                return defaultValue;
            },
        };
    }

    /// <summary>A number (decimals allowed) of <paramref name="unit"/>.</summary>
    public static Option<double> Number(string name, string description, string unit, double defaultValue)
    {
        return new Option<double>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result =>
            {
                var text = Single(result);
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
                {
                    return value;
                }

                result.AddError($"{name}: '{text}' is not a number of {unit}");
                return defaultValue;
            },
        };
    }

    /// <summary>A whole number.</summary>
    public static Option<int> Integer(string name, string description)
    {
        return new Option<int>(name)
        {
            Description = description,
            CustomParser = result =>
            {
                var text = Single(result);
                if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                {
                    return value;
                }

                result.AddError($"{name}: '{text}' is not a whole number");
                return 0;
            },
        };
    }

    private static string Single(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
}
