using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Google.Protobuf;

namespace Stratum.Cli.Commands;

/// <summary>Prints a response as indented protobuf JSON, or as flat <c>path: value</c> lines for people.</summary>
internal static class ResponsePrinter
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    public static async Task PrintAsync(IMessage response, bool asJson, TextWriter output)
    {
        using var document = JsonDocument.Parse(Formatter.Format(response));
        if (asJson)
        {
            await output.WriteLineAsync(Indented(document.RootElement)).ConfigureAwait(false);
            return;
        }

        var lines = new List<string>();
        Flatten(document.RootElement, string.Empty, lines);
        await output.WriteLineAsync(lines.Count == 0 ? "OK" : string.Join('\n', lines)).ConfigureAwait(false);
    }

    private static string Indented(JsonElement element)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            element.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Flatten(JsonElement element, string path, List<string> lines)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", lines);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, $"{path}[{index++}]", lines);
                }

                break;
            case JsonValueKind.String:
                lines.Add($"{path}: {element.GetString()}");
                break;
            default:
                lines.Add($"{path}: {element.GetRawText()}");
                break;
        }
    }
}
