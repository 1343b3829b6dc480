using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Stratum.Kube.Testing;

/// <summary>
/// A fake Kubernetes API server on loopback that speaks the real wire protocol over HTTP/1.1:
/// discovery (so <c>kubectl --server</c> works), get/list/create/update/patch/delete, list with
/// resourceVersion and limit/continue, chunked watch streams (<c>?watch=true</c>) with bookmarks,
/// 410 Gone after compaction, 409 on stale updates, label and field selectors, and
/// <see cref="Faults"/> to make the API unreachable or slow.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private static readonly object DownKey = new();
    private readonly List<string> _requests = [];

    private FakeApiServer(WebApplication app, FakeApiStore store)
    {
        _app = app;
        Store = store;
    }

    public FakeApiStore Store { get; }

    /// <summary>Fault injection; takes effect on the next request (and ends open watches when the API goes down).</summary>
    public FakeApiFaults Faults { get; } = new();

    /// <summary><c>http://127.0.0.1:PORT</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Requests served, as <c>METHOD /path?query</c>, oldest first.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts the server on 127.0.0.1 (port 0 picks a free port).</summary>
    public static async Task<FakeApiServer> StartAsync(int port = 0, TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var server = new FakeApiServer(app, new FakeApiStore(time));
        app.Run(server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Urls.First();
        server.BaseAddress = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
        return server;
    }

    /// <summary>Stores a typed object (create or replace) and returns it as stored.</summary>
    public T Put<T>(T obj)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var type = TypeOf(obj);
        var stored = Store.Put(type, ToJson(obj));
        return KubernetesJson.Deserialize<T>(stored.ToJsonString());
    }

    /// <summary>Reads a typed object, or null when absent.</summary>
    public T? Get<T>(ResourceType type, string? ns, string name)
        where T : class
    {
        var obj = Store.Get(type, ns, name);
        return obj is null ? null : KubernetesJson.Deserialize<T>(obj.ToJsonString());
    }

    /// <summary>Every stored object of a type, typed.</summary>
    public IReadOnlyList<T> All<T>(ResourceType type)
    {
        var list = Store.List(type, null, LabelSelector.Everything, FieldSelector.Everything);
        return [.. list["items"]!.AsArray().Select(item => KubernetesJson.Deserialize<T>(item!.ToJsonString()))];
    }

    public static JsonObject ToJson<T>(T obj)
        where T : IKubernetesObject<V1ObjectMeta> =>
        JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject();

    public static ResourceType TypeOf<T>(T obj)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var kind = obj.Kind ?? typeof(T).Name[2..];
        return ResourceType.All.FirstOrDefault(r => r.Kind == kind)
            ?? throw new ArgumentException($"the fake API server does not serve {kind}", nameof(obj));
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Store.CloseWatches();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        lock (_requests)
        {
            _requests.Add($"{request.Method} {request.Path}{request.QueryString}");
        }

        if (Faults.Latency > TimeSpan.Zero)
        {
            await Task.Delay(Faults.Latency, context.RequestAborted).ConfigureAwait(false);
        }

        if (Faults.WriteAnswerDelay is { } answerDelay && answerDelay > TimeSpan.Zero && !HttpMethods.IsGet(request.Method))
        {
            // The write is applied at once; only its answer is late, so a client that gives up meanwhile has still changed the object.
            context.Response.OnStarting(() => Task.Delay(answerDelay));
        }

        if (!Faults.TryAdmit(out var down))
        {
            // Like a dead server: the connection drops without an HTTP answer.
            context.Abort();
            return;
        }

        // A watch admitted just before the server went down must still be cut by it, so it ends
        // on the token of the moment it was admitted (read under the same lock as the check).
        context.Items[DownKey] = down;

        if (Faults.TakeFailure(request.Path.Value ?? "") is { } failure)
        {
            await WriteAsync(context, failure, ApiException.Status(failure, "InternalError", "injected failure")).ConfigureAwait(false);
            return;
        }

        try
        {
            await RouteAsync(context).ConfigureAwait(false);
        }
        catch (ApiException ex)
        {
            await WriteAsync(context, ex.Code, ex.ToStatus()).ConfigureAwait(false);
        }
        catch (SelectorException ex)
        {
            await WriteAsync(context, 400, ApiException.Status(400, "BadRequest", ex.Message)).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            await WriteAsync(context, 400, ApiException.Status(400, "BadRequest", $"invalid JSON: {ex.Message}")).ConfigureAwait(false);
        }
    }

    private async Task RouteAsync(HttpContext context)
    {
        var segments = context.Request.Path.Value!.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (segments)
        {
            case ["version"]:
                await WriteAsync(context, 200, Discovery.Version()).ConfigureAwait(false);
                return;
            case ["api"]:
                await WriteAsync(context, 200, Discovery.CoreVersions(BaseAddress)).ConfigureAwait(false);
                return;
            case ["apis"]:
                await WriteAsync(context, 200, Discovery.Groups()).ConfigureAwait(false);
                return;
            case ["api", var version]:
                await WriteAsync(context, 200, Discovery.Resources("", version)).ConfigureAwait(false);
                return;
            case ["apis", var group]:
                await WriteAsync(context, 200, Discovery.Group(group) ?? throw new ApiException(404, "NotFound", $"the server could not find the requested resource")).ConfigureAwait(false);
                return;
            case ["apis", var group, var version]:
                await WriteAsync(context, 200, Discovery.Resources(group, version)).ConfigureAwait(false);
                return;
            case ["api", var version, .. var rest]:
                await ResourceAsync(context, "", version, rest).ConfigureAwait(false);
                return;
            case ["apis", var group, var version, .. var rest]:
                await ResourceAsync(context, group, version, rest).ConfigureAwait(false);
                return;
            default:
                throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }
    }

    private async Task ResourceAsync(HttpContext context, string group, string version, string[] rest)
    {
        string? ns = null;
        if (rest is ["namespaces", var n, _, ..])
        {
            ns = n;
            rest = rest[2..];
        }

        var (plural, name, subresource) = rest switch
        {
            [var p] => (p, null, null),
            [var p, var nm] => (p, nm, null),
            [var p, var nm, var sub] => (p, nm, sub),
            _ => throw new ApiException(404, "NotFound", "the server could not find the requested resource"),
        };
        var type = ResourceType.Find(group, version, plural)
            ?? throw new ApiException(404, "NotFound", $"the server could not find the requested resource ({plural})");
        if (subresource is not null && subresource != "status")
        {
            throw new ApiException(404, "NotFound", $"the fake API server has no subresource {subresource}");
        }

        var query = context.Request.Query;
        var method = context.Request.Method;
        if (name is null)
        {
            if (HttpMethods.IsGet(method))
            {
                var labels = LabelSelector.Parse(query["labelSelector"]);
                var fields = FieldSelector.Parse(query["fieldSelector"]);
                if (IsTrue(query["watch"]))
                {
                    var watch = Store.StartWatch(type, ns, labels, fields, query["resourceVersion"], IsTrue(query["allowWatchBookmarks"]));
                    await StreamAsync(context, watch, Seconds(query["timeoutSeconds"])).ConfigureAwait(false);
                    return;
                }

                int? limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : null;
                var list = Store.List(type, ns, labels, fields, limit, query["continue"]);
                await WriteListAsync(context, type, list).ConfigureAwait(false);
                return;
            }

            if (HttpMethods.IsPost(method))
            {
                var body = await ReadObjectAsync(context).ConfigureAwait(false);
                await WriteAsync(context, 201, Store.Create(type, ns, body)).ConfigureAwait(false);
                return;
            }

            throw new ApiException(405, "MethodNotAllowed", $"{method} is not supported on a collection by the fake API server");
        }

        if (HttpMethods.IsGet(method))
        {
            await WriteAsync(context, 200, Store.Get(type, ns, name) ?? throw ApiException.NotFound(type, name)).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPut(method))
        {
            var body = await ReadObjectAsync(context).ConfigureAwait(false);
            await WriteAsync(context, 200, Store.Update(type, ns, name, body)).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPatch(method))
        {
            var contentType = context.Request.ContentType ?? "";
            var body = await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false) ?? throw ApiException.BadRequest("empty patch");
            var jsonPatch = contentType.StartsWith("application/json-patch+json", StringComparison.Ordinal);
            if (!jsonPatch && !contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal)
                && !contentType.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal))
            {
                throw new ApiException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json (got {contentType})");
            }

            await WriteAsync(context, 200, Store.Patch(type, ns, name, body, jsonPatch)).ConfigureAwait(false);
        }
        else if (HttpMethods.IsDelete(method))
        {
            string? uid = null, rv = null;
            if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            {
                var options = await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false);
                uid = options?["preconditions"]?["uid"]?.GetValue<string>();
                rv = options?["preconditions"]?["resourceVersion"]?.GetValue<string>();
            }

            await WriteAsync(context, 200, Store.Delete(type, ns, name, uid, rv)).ConfigureAwait(false);
        }
        else
        {
            throw new ApiException(405, "MethodNotAllowed", $"{method} is not supported by the fake API server");
        }
    }

    private async Task StreamAsync(HttpContext context, FakeApiStore.Watch watch, TimeSpan? timeout)
    {
        using (watch)
        {
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token, (CancellationToken)context.Items[DownKey]!);
            if (timeout is { } t)
            {
                ended.CancelAfter(t);
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(ended.Token).ConfigureAwait(false);
            try
            {
                await foreach (var evt in watch.Events.ReadAllAsync(ended.Token).ConfigureAwait(false))
                {
                    await context.Response.WriteAsync(evt!.ToJsonString() + "\n", ended.Token).ConfigureAwait(false);
                    await context.Response.Body.FlushAsync(ended.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                if (Faults.Unreachable)
                {
                    context.Abort();
                }
            }
        }
    }

    private static async Task WriteListAsync(HttpContext context, ResourceType type, JsonObject list)
    {
        var accept = context.Request.Headers.Accept.ToString();
        if (accept.Contains("as=Table", StringComparison.Ordinal))
        {
            await WriteAsync(context, 200, Table.FromList(type, list)).ConfigureAwait(false);
            return;
        }

        await WriteAsync(context, 200, list).ConfigureAwait(false);
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context) =>
        await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false) as JsonObject
        ?? throw ApiException.BadRequest("the body must be a JSON object");

    private static async Task WriteAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8).ConfigureAwait(false);
    }

    private static bool IsTrue(string? value) => value is "true" or "1";

    private static TimeSpan? Seconds(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0 ? TimeSpan.FromSeconds(s) : null;
}

/// <summary>What the fake API server does wrong on purpose.</summary>
public sealed class FakeApiFaults
{
    private readonly Lock _gate = new();
    private CancellationTokenSource _down = new();
    private bool _unreachable;
    private readonly Queue<int> _failures = new();
    private (string Part, int Status)? _failingPath;

    /// <summary>
    /// While true every request has its connection dropped without an answer, and open watches
    /// are cut, as when the API server is down or partitioned away.
    /// </summary>
    public bool Unreachable
    {
        get
        {
            lock (_gate)
            {
                return _unreachable;
            }
        }

        set
        {
            CancellationTokenSource? cut = null;
            lock (_gate)
            {
                if (value && !_unreachable)
                {
                    cut = _down;
                    _down = new CancellationTokenSource();
                }

                _unreachable = value;
            }

            cut?.Cancel();
        }
    }

    /// <summary>Delay before every answer.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>
    /// Delay between applying a write (any method but GET) and answering it; the delay in force
    /// when a request arrives is the one it gets.
    /// </summary>
    public TimeSpan WriteAnswerDelay { get; set; }

    /// <summary>The next <paramref name="count"/> requests are answered with <paramref name="status"/> (e.g. 500, 503, 429).</summary>
    public void FailNext(int count, int status = 503)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _failures.Enqueue(status);
            }
        }
    }

    /// <summary>Every request whose path contains <paramref name="pathPart"/> is answered with <paramref name="status"/> (null clears).</summary>
    public void FailPath(string? pathPart, int status = 503)
    {
        lock (_gate)
        {
            _failingPath = pathPart is null ? null : (pathPart, status);
        }
    }

    internal int? TakeFailure(string path)
    {
        lock (_gate)
        {
            if (_failingPath is { } rule && path.Contains(rule.Part, StringComparison.Ordinal))
            {
                return rule.Status;
            }

            return _failures.TryDequeue(out var status) ? status : null;
        }
    }

    /// <summary>False while unreachable; otherwise the token that is cancelled when the server next goes down.</summary>
    internal bool TryAdmit(out CancellationToken down)
    {
        lock (_gate)
        {
            down = _down.Token;
            return !_unreachable;
        }
    }
}
