using System.Text.Json.Nodes;

namespace Stratum.Kube.Testing;

/// <summary>A failure the fake API server answers with a <c>Status</c> object, as the real one does.</summary>
public sealed class ApiException(int code, string reason, string message) : Exception(message)
{
    public int Code { get; } = code;

    /// <summary>The <c>reason</c> of the Status: NotFound, AlreadyExists, Conflict, Expired, Gone, BadRequest, ...</summary>
    public string Reason { get; } = reason;

    public JsonObject ToStatus() => Status(Code, Reason, Message);

    public static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    public static ApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.Plural}{Group(type)} \"{name}\" not found");

    public static ApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.Plural}{Group(type)} \"{name}\" already exists");

    public static ApiException Conflict(ResourceType type, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.Plural}{Group(type)} \"{name}\": {why}");

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    private static string Group(ResourceType type) => type.Group.Length == 0 ? "" : "." + type.Group;
}
