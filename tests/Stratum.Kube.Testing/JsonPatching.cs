using System.Text.Json.Nodes;

namespace Stratum.Kube.Testing;

/// <summary>The patch formats the fake applies: JSON merge patch (RFC 7386) and JSON patch (RFC 6902).</summary>
public static class JsonPatching
{
    /// <summary>
    /// RFC 7386: objects merge recursively, <c>null</c> removes a key, anything else replaces. The
    /// fake applies strategic-merge patches the same way (lists replace instead of merging by key).
    /// </summary>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = MergePatch(result[key], value);
            }
        }

        return result;
    }

    /// <summary>RFC 6902 operations add, remove, replace and test (a failed test is a 422, as the real server answers).</summary>
    public static JsonNode JsonPatch(JsonNode target, JsonArray operations)
    {
        var result = target.DeepClone();
        foreach (var operation in operations)
        {
            var op = operation?["op"]?.GetValue<string>() ?? throw ApiException.BadRequest("json patch operation without 'op'");
            var path = operation["path"]?.GetValue<string>() ?? throw ApiException.BadRequest("json patch operation without 'path'");
            var (parent, last) = Locate(result, path);
            var value = operation["value"]?.DeepClone();
            switch (op)
            {
                case "test":
                    var current = Child(parent, last);
                    if (!JsonNode.DeepEquals(current, operation["value"]))
                    {
                        throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: test failed at {path}");
                    }

                    break;
                case "remove":
                    Remove(parent, last, path);
                    break;
                case "add":
                    Add(parent, last, value, path);
                    break;
                case "replace":
                    Remove(parent, last, path);
                    Add(parent, last, value, path);
                    break;
                default:
                    throw ApiException.BadRequest($"json patch operation '{op}' is not supported by the fake API server");
            }
        }

        return result;
    }

    private static (JsonNode Parent, string Last) Locate(JsonNode root, string pointer)
    {
        var tokens = pointer.Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
        if (tokens.Length == 0)
        {
            throw ApiException.BadRequest("json patch on the whole document is not supported");
        }

        var node = root;
        foreach (var token in tokens[..^1])
        {
            node = Child(node, token) ?? throw new ApiException(422, "Invalid", $"json patch path {pointer} does not exist");
        }

        return (node, tokens[^1]);
    }

    private static JsonNode? Child(JsonNode parent, string token) => parent switch
    {
        JsonObject o => o.TryGetPropertyValue(token, out var v) ? v : null,
        JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
        _ => null,
    };

    private static void Remove(JsonNode parent, string token, string path)
    {
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(token):
                o.Remove(token);
                break;
            case JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count:
                a.RemoveAt(i);
                break;
            default:
                throw new ApiException(422, "Invalid", $"json patch path {path} does not exist");
        }
    }

    private static void Add(JsonNode parent, string token, JsonNode? value, string path)
    {
        switch (parent)
        {
            case JsonObject o:
                o[token] = value;
                break;
            case JsonArray a when token == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(token, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new ApiException(422, "Invalid", $"json patch path {path} cannot be added to");
        }
    }
}
