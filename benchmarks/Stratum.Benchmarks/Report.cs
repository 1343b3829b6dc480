using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stratum.Benchmarks;

/// <summary>One measured figure next to its goal.</summary>
/// <param name="Name">What was measured, e.g. "Probe p50".</param>
/// <param name="Value">The figure (a median over rounds where there are rounds).</param>
/// <param name="Unit">ms, MiB, ratio, count, ...</param>
/// <param name="Goal">The bound it should stay within (null: shown for context only).</param>
/// <param name="Detail">How it was measured: rounds, spread, the other side of a ratio.</param>
/// <param name="Samples">The per-round values behind <paramref name="Value"/>.</param>
/// <param name="LowerIsBetter">Whether the goal is an upper bound (default) or a lower one.</param>
internal sealed record Metric(string Name, double Value, string Unit, double? Goal, string Detail, IReadOnlyList<double> Samples, bool LowerIsBetter = true)
{
    public bool? Met => Goal is { } goal && !double.IsNaN(Value) ? (LowerIsBetter ? Value <= goal : Value >= goal) : null;
}

/// <summary>
/// The figures of one benchmark run: printed as a table and written as JSON, with what the
/// figures depend on (CPU count, load average before and after: a busy machine makes them
/// meaningless, and the report says so).
/// </summary>
internal sealed class Report(string title)
{
    /// <summary>Indented, and names such as "create + delete" or "`stratum csi probe`" kept readable.</summary>
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<Metric> _metrics = [];
    private readonly double _loadBefore = LoadAverage();

    public string Title { get; } = title;

    public IReadOnlyList<Metric> Metrics => _metrics;

    public void Add(Metric metric)
    {
        _metrics.Add(metric);
        Console.Error.WriteLine($"  {metric.Name}: {Format(metric.Value, metric.Unit)}");
    }

    /// <summary>The median of <paramref name="samples"/> as a metric.</summary>
    public void AddMedian(string name, IReadOnlyList<double> samples, string unit, double? goal, string detail, bool lowerIsBetter = true) =>
        Add(new Metric(name, Stats.Median(samples), unit, goal, detail, samples, lowerIsBetter));

    /// <summary>Prints the table and, when <paramref name="jsonPath"/> is set, writes the JSON file.</summary>
    public void Finish(string? jsonPath, IReadOnlyDictionary<string, string> context)
    {
        var loadAfter = LoadAverage();
        var busy = Math.Max(_loadBefore, loadAfter) > Environment.ProcessorCount * 0.5;
        Console.WriteLine();
        Console.WriteLine($"## {Title}");
        Console.WriteLine($"{Environment.ProcessorCount} CPUs, load average {_loadBefore:0.0} before, {loadAfter:0.0} after; {string.Join("; ", context.Select(c => $"{c.Key}: {c.Value}"))}");
        if (busy)
        {
            Console.WriteLine("WARNING: the machine was busy (load average above half the CPU count): these figures are not the plugin's own.");
        }

        Console.WriteLine(Table(_metrics));
        if (jsonPath is null)
        {
            return;
        }

        var json = new JsonObject
        {
            ["title"] = Title,
            ["date"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["cpus"] = Environment.ProcessorCount,
            ["loadAverageBefore"] = Math.Round(_loadBefore, 2),
            ["loadAverageAfter"] = Math.Round(loadAfter, 2),
            ["busy"] = busy,
            ["context"] = new JsonObject(context.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value))),
            ["metrics"] = new JsonArray([.. _metrics.Select(ToJson)]),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
        File.WriteAllText(jsonPath, json.ToJsonString(JsonOptions) + "\n");
        Console.WriteLine($"written: {jsonPath}");
    }

    /// <summary>A markdown table (it goes into the README as it is).</summary>
    public static string Table(IEnumerable<Metric> metrics)
    {
        var rows = metrics.Select(m => new[]
        {
            m.Name, Format(m.Value, m.Unit),
            m.Goal is { } goal ? (m.LowerIsBetter ? "≤ " : "≥ ") + Format(goal, m.Unit) : "",
            m.Met switch { true => "yes", false => "NO", null => "" },
            m.Detail,
        }).ToList();
        string[] header = ["measure", "value", "goal", "met", "how"];
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => "| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |";
        var text = new StringBuilder();
        text.AppendLine(Line(header));
        text.AppendLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var row in rows)
        {
            text.AppendLine(Line(row));
        }

        return text.ToString();
    }

    /// <summary>Reads JSON files written by <see cref="Finish"/> and prints their metrics as one table.</summary>
    public static int Combine(string output, IReadOnlyList<string> inputs)
    {
        var all = new JsonArray();
        var metrics = new List<Metric>();
        foreach (var input in inputs.Where(File.Exists))
        {
            var node = JsonNode.Parse(File.ReadAllText(input))!.AsObject();
            all.Add(node.DeepClone());
            foreach (var m in node["metrics"]!.AsArray())
            {
                metrics.Add(new Metric(
                    (string)m!["name"]!, (double?)m["value"] ?? double.NaN, (string)m["unit"]!, (double?)m["goal"], (string)m["how"]!, [],
                    (bool?)m["lowerIsBetter"] ?? true));
            }

            if ((bool?)node["busy"] == true)
            {
                Console.WriteLine($"NOTE: {(string?)node["title"]} ran on a busy machine (load average {(double?)node["loadAverageBefore"]:0.0} / {(double?)node["loadAverageAfter"]:0.0} on {(int?)node["cpus"]} CPUs)");
            }
        }

        Console.WriteLine(Table(metrics));
        File.WriteAllText(output, new JsonObject { ["runs"] = all }.ToJsonString(JsonOptions) + "\n");
        Console.WriteLine($"written: {output}");
        return 0;
    }

    public static string Format(double value, string unit) => double.IsNaN(value) ? "n/a" : unit switch
    {
        "ms" => (value < 1 ? value.ToString("0.000", CultureInfo.InvariantCulture) : value < 100 ? value.ToString("0.0", CultureInfo.InvariantCulture) : value.ToString("0", CultureInfo.InvariantCulture)) + " ms",
        "MiB" => value.ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        "ratio" => value.ToString("0.000", CultureInfo.InvariantCulture),
        "%" => value.ToString("0.#", CultureInfo.InvariantCulture) + " %",
        _ => value.ToString("0.##", CultureInfo.InvariantCulture) + (unit.Length > 0 ? " " + unit : ""),
    };

    private static JsonObject ToJson(Metric m) => new()
    {
        ["name"] = m.Name,
        ["value"] = double.IsNaN(m.Value) ? null : Math.Round(m.Value, 4),
        ["unit"] = m.Unit,
        ["goal"] = m.Goal,
        ["lowerIsBetter"] = m.LowerIsBetter,
        ["met"] = m.Met,
        ["how"] = m.Detail,
        ["samples"] = new JsonArray([.. m.Samples.Select(s => (JsonNode?)Math.Round(s, 4))]),
    };

    private static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }
}
