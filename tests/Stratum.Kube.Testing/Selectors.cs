using System.Text.Json.Nodes;

namespace Stratum.Kube.Testing;

/// <summary>A parse failure of a selector; the server answers 400 BadRequest.</summary>
public sealed class SelectorException(string message) : Exception(message);

/// <summary>
/// A label selector in the API's string form: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>,
/// <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k</c>, <c>!k</c>, comma-separated (all must hold).
/// </summary>
public sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _requirements = [];

    public static LabelSelector Everything { get; } = new();

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in SplitTopLevel(text))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                throw new SelectorException($"empty requirement in label selector '{text}'");
            }

            selector._requirements.Add(ParseRequirement(part, text));
        }

        return selector;
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r => r(labels));

    public bool Matches(JsonNode? obj) => Matches(Labels(obj));

    public static IReadOnlyDictionary<string, string> Labels(JsonNode? obj)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj?["metadata"]?["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                result[key] = value?.GetValue<string>() ?? "";
            }
        }

        return result;
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseRequirement(string part, string text)
    {
        var words = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length >= 2 && (words[1] == "in" || words[1] == "notin"))
        {
            var key = words[0];
            var rest = part[(part.IndexOf(words[1], key.Length, StringComparison.Ordinal) + words[1].Length)..].Trim();
            if (!rest.StartsWith('(') || !rest.EndsWith(')'))
            {
                throw new SelectorException($"'{part}' in label selector '{text}': values must be in parentheses");
            }

            var values = rest[1..^1].Split(',').Select(v => v.Trim()).ToHashSet(StringComparer.Ordinal);
            return words[1] == "in"
                ? labels => labels.TryGetValue(key, out var v) && values.Contains(v)
                : labels => !labels.TryGetValue(key, out var v) || !values.Contains(v);
        }

        if (part.Contains("!=", StringComparison.Ordinal))
        {
            var (key, value) = Split(part, "!=");
            return labels => !labels.TryGetValue(key, out var v) || v != value;
        }

        if (part.Contains("==", StringComparison.Ordinal))
        {
            var (key, value) = Split(part, "==");
            return labels => labels.TryGetValue(key, out var v) && v == value;
        }

        if (part.Contains('=', StringComparison.Ordinal))
        {
            var (key, value) = Split(part, "=");
            return labels => labels.TryGetValue(key, out var v) && v == value;
        }

        if (part.StartsWith('!'))
        {
            var key = part[1..].Trim();
            return labels => !labels.ContainsKey(key);
        }

        if (words.Length != 1)
        {
            throw new SelectorException($"cannot parse '{part}' in label selector '{text}'");
        }

        return labels => labels.ContainsKey(part);
    }

    private static (string Key, string Value) Split(string part, string op)
    {
        var at = part.IndexOf(op, StringComparison.Ordinal);
        return (part[..at].Trim(), part[(at + op.Length)..].Trim());
    }

    /// <summary>Splits on commas that are not inside parentheses.</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }
}

/// <summary>
/// A field selector: <c>path=value</c>, <c>path==value</c>, <c>path!=value</c>, comma-separated,
/// where path is a dotted JSON path such as <c>metadata.name</c>, <c>spec.nodeName</c>,
/// <c>status.phase</c> or <c>involvedObject.uid</c>. A missing field compares as the empty string,
/// as the real server does for the fields it supports.
/// </summary>
public sealed class FieldSelector
{
    private readonly List<(string[] Path, string Value, bool Equal)> _requirements = [];

    public static FieldSelector Everything { get; } = new();

    public static FieldSelector Parse(string? text)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            var (op, equal) = part.Contains("!=", StringComparison.Ordinal) ? ("!=", false)
                : part.Contains("==", StringComparison.Ordinal) ? ("==", true)
                : part.Contains('=', StringComparison.Ordinal) ? ("=", true)
                : throw new SelectorException($"field selector '{text}': '{part}' has no operator");
            var at = part.IndexOf(op, StringComparison.Ordinal);
            selector._requirements.Add((part[..at].Trim().Split('.'), part[(at + op.Length)..].Trim(), equal));
        }

        return selector;
    }

    public bool Matches(JsonNode? obj) =>
        _requirements.All(r => (Resolve(obj, r.Path) == r.Value) == r.Equal);

    private static string Resolve(JsonNode? node, string[] path)
    {
        foreach (var segment in path)
        {
            node = node is JsonObject o && o.TryGetPropertyValue(segment, out var child) ? child : null;
            if (node is null)
            {
                return "";
            }
        }

        return node is JsonValue v ? v.ToString() : node?.ToJsonString() ?? "";
    }
}
