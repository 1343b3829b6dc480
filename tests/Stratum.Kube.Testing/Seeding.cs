using System.Text.Json.Nodes;

namespace Stratum.Kube.Testing;

/// <summary>
/// Loads objects from a JSON file into the fake server: one object, a <c>v1 List</c> (what
/// <c>kubectl get -o json</c> prints) or an array. YAML manifests can be turned into that with
/// <c>kubectl create --dry-run=client -o json -f FILE</c>, or created against the running server.
/// </summary>
public static class Seeding
{
    public static async Task<int> LoadAsync(FakeApiServer server, string path)
    {
        var json = await File.ReadAllTextAsync(path).ConfigureAwait(false);
        return Load(server, JsonNode.Parse(json));
    }

    public static int Load(FakeApiServer server, JsonNode? document)
    {
        ArgumentNullException.ThrowIfNull(server);
        IEnumerable<JsonNode?> objects = document switch
        {
            JsonArray array => array,
            JsonObject list when list["kind"]?.GetValue<string>() == "List" || list["items"] is JsonArray => list["items"]!.AsArray(),
            JsonObject single => [single],
            _ => throw new InvalidDataException("expected a JSON object, a List or an array"),
        };
        var count = 0;
        foreach (var node in objects)
        {
            var obj = node as JsonObject ?? throw new InvalidDataException("every item must be a JSON object");
            var apiVersion = obj["apiVersion"]?.GetValue<string>() ?? "";
            var kind = obj["kind"]?.GetValue<string>() ?? "";
            var type = ResourceType.ForKind(apiVersion, kind)
                ?? throw new InvalidDataException($"the fake API server does not serve {apiVersion} {kind}");
            server.Store.Put(type, (JsonObject)obj.DeepClone());
            count++;
        }

        return count;
    }
}
