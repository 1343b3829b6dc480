using System.Globalization;
using System.Text.Json.Nodes;

namespace Stratum.Kube.Testing;

/// <summary>The discovery documents kubectl reads before it can name a resource.</summary>
internal static class Discovery
{
    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "33",
        ["gitVersion"] = "v1.33.0-stratum-fake",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.23",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(Uri server) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
        {
            ["clientCIDR"] = "0.0.0.0/0",
            ["serverAddress"] = server.Authority,
        }),
    };

    public static JsonObject Groups()
    {
        var groups = new JsonArray();
        foreach (var group in ResourceType.All.Where(r => r.Group.Length > 0).Select(r => r.Group).Distinct())
        {
            groups.Add(Group(group));
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    public static JsonObject? Group(string group)
    {
        var versions = ResourceType.All.Where(r => r.Group == group).Select(r => r.Version).Distinct().ToList();
        if (versions.Count == 0)
        {
            return null;
        }

        var array = new JsonArray();
        foreach (var version in versions)
        {
            array.Add(new JsonObject { ["groupVersion"] = $"{group}/{version}", ["version"] = version });
        }

        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = array,
            ["preferredVersion"] = array[0]!.DeepClone(),
        };
    }

    public static JsonObject Resources(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var type in ResourceType.All.Where(r => r.Group == group && r.Version == version))
        {
            resources.Add(new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "update", "watch"),
                ["shortNames"] = new JsonArray([.. type.ShortNames.Select(s => (JsonNode)s)]),
            });
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }
}

/// <summary>The server-side table kubectl asks for (<c>Accept: ...;as=Table</c>): name and age columns.</summary>
internal static class Table
{
    public static JsonObject FromList(ResourceType type, JsonObject list)
    {
        var rows = new JsonArray();
        foreach (var item in list["items"]!.AsArray())
        {
            var metadata = item!["metadata"];
            rows.Add(new JsonObject
            {
                ["cells"] = new JsonArray((JsonNode?)metadata?["name"]?.GetValue<string>(), Age(metadata?["creationTimestamp"]?.GetValue<string>())),
                ["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = metadata?.DeepClone(),
                },
            });
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = list["metadata"]!.DeepClone(),
            ["columnDefinitions"] = new JsonArray(
                new JsonObject { ["name"] = "Name", ["type"] = "string", ["format"] = "name", ["description"] = "Name of the " + type.Kind, ["priority"] = 0 },
                new JsonObject { ["name"] = "Age", ["type"] = "string", ["format"] = "", ["description"] = "Time since creation", ["priority"] = 0 }),
            ["rows"] = rows,
        };
    }

    private static string Age(string? created)
    {
        if (!DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return "<unknown>";
        }

        var age = DateTimeOffset.UtcNow - at;
        return age.TotalDays >= 2 ? $"{(int)age.TotalDays}d"
            : age.TotalHours >= 2 ? $"{(int)age.TotalHours}h"
            : age.TotalMinutes >= 2 ? $"{(int)age.TotalMinutes}m"
            : $"{Math.Max(0, (int)age.TotalSeconds)}s";
    }
}
