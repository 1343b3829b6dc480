namespace Stratum.Config;

/// <summary>Parsing for the small enums whose values have one exact lower-case name each.</summary>
internal static class EnumNames
{
    /// <summary>Finds the member of <paramref name="all"/> whose name is exactly <paramref name="text"/>.</summary>
    public static bool TryParse<T>(IEnumerable<T> all, Func<T, string> nameOf, string? text, out T value)
        where T : struct, Enum
    {
        foreach (var candidate in all)
        {
            if (string.Equals(nameOf(candidate), text, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }
}
