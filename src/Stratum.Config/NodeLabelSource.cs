namespace Stratum.Config;

/// <summary>
/// Where this node's labels come from, for the configuration's <c>nodes</c> selectors. Read at
/// start-up and on every reload; a source whose labels change calls
/// <see cref="ConfigMonitor.RequestReload"/> (or lists <see cref="WatchedFiles"/> for the monitor to watch).
/// The Kubernetes Node object will be one more implementation.
/// </summary>
public interface INodeLabelSource
{
    /// <summary>For messages, e.g. <c>--node-label flags</c> or <c>file /etc/stratum/labels</c>.</summary>
    string Description { get; }

    /// <summary>Files whose changes mean the labels may have changed.</summary>
    IReadOnlyList<string> WatchedFiles { get; }

    /// <summary>The node's labels now.</summary>
    /// <exception cref="ConfigException">The labels cannot be read or are malformed.</exception>
    Task<IReadOnlyDictionary<string, string>> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Labels from a file and/or fixed pairs (the <c>--node-label</c> flags and <c>STRATUM_NODE_LABELS</c>);
/// fixed pairs win over the file's. The file holds one <c>key=value</c> per line (<c>#</c> comments,
/// blank lines), values optionally in double quotes, which is also how a Kubernetes downward-API
/// volume writes labels, so such a file can be mounted as it is.
/// </summary>
public sealed class NodeLabelSource : INodeLabelSource
{
    /// <summary>A labels file is a few hundred bytes; this refuses a wrong path.</summary>
    public const int MaxFileChars = 1 << 16;

    private readonly string? _file;
    private readonly IReadOnlyDictionary<string, string> _fixed;

    public NodeLabelSource(string? file, IReadOnlyDictionary<string, string>? fixedLabels = null)
    {
        _file = file;
        _fixed = fixedLabels ?? new Dictionary<string, string>(StringComparer.Ordinal);
        Description = (file, _fixed.Count) switch
        {
            (null, 0) => "no labels",
            (null, _) => "fixed labels",
            (_, 0) => $"labels file {file}",
            _ => $"labels file {file} and fixed labels",
        };
    }

    /// <summary>A source with no labels: only <c>nodes</c> entries by name can match.</summary>
    public static NodeLabelSource None { get; } = new(null);

    public string Description { get; }

    public IReadOnlyList<string> WatchedFiles => _file is null ? [] : [_file];

    public async Task<IReadOnlyDictionary<string, string>> ReadAsync(CancellationToken cancellationToken)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (_file is not null)
        {
            string text;
            try
            {
                text = await File.ReadAllTextAsync(_file, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException(new ConfigProblem(_file, 0, 0, $"cannot read the node labels file: {e.Message}"));
            }

            if (text.Length > MaxFileChars)
            {
                throw new ConfigException(new ConfigProblem(_file, 0, 0, $"the node labels file is larger than {MaxFileChars} characters"));
            }

            foreach (var (key, value) in Parse(text, _file))
            {
                labels[key] = value;
            }
        }

        foreach (var (key, value) in _fixed)
        {
            labels[key] = value;
        }

        return labels;
    }

    /// <summary>Parses <c>key=value</c> lines; every problem is reported with its line.</summary>
    /// <exception cref="ConfigException">A line is malformed or a key or value is not a valid label.</exception>
    public static IReadOnlyDictionary<string, string> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<ConfigProblem>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (ParsePair(line) is not { } pair)
            {
                problems.Add(new ConfigProblem(source, i + 1, 1, $"expected key=value, not '{line}'"));
            }
            else if (Check(pair.Key, pair.Value) is { } problem)
            {
                problems.Add(new ConfigProblem(source, i + 1, 1, problem));
            }
            else
            {
                labels[pair.Key] = pair.Value;
            }
        }

        return problems.Count == 0 ? labels : throw new ConfigException(problems);
    }

    /// <summary>Parses <c>k=v,k2=v2</c> (the <c>STRATUM_NODE_LABELS</c> form), or a single <c>k=v</c> of a flag.</summary>
    /// <exception cref="FormatException">An item is not <c>key=value</c> or not a valid label.</exception>
    public static IReadOnlyDictionary<string, string> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = ParsePair(item) ?? throw new FormatException($"'{item}' is not key=value");
            labels[pair.Key] = Check(pair.Key, pair.Value) is { } problem ? throw new FormatException(problem) : pair.Value;
        }

        return labels;
    }

    private static KeyValuePair<string, string>? ParsePair(string item)
    {
        var equals = item.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return null;
        }

        var key = item[..equals].Trim();
        var value = item[(equals + 1)..].Trim();
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            value = value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }

        return new(key, value);
    }

    private static string? Check(string key, string value) =>
        !Names.IsLabelKey(key) ? $"'{key}' is not a valid label key"
        : !Names.IsLabelValue(value) ? $"'{value}' is not a valid value for label '{key}'"
        : null;
}
