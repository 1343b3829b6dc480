using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s.Models;

namespace Stratum.Kube.Client;

/// <summary>One watch event: ADDED, MODIFIED, DELETED, BOOKMARK (object carries only a resourceVersion) or ERROR (status set).</summary>
public sealed record WatchEvent<T>(string Type, T? Object, V1Status? Status, string? ResourceVersion)
    where T : class;

/// <summary>
/// The Kubernetes client Stratum uses: an HttpClient for one API server (its CA, its credentials,
/// see <see cref="KubeConfigLoader"/>) with the few reads, writes, list pages and watch streams
/// Stratum needs, their JSON through <see cref="KubeJson"/>. Only the model classes of
/// KubernetesClient.Aot are used: its client, configuration and serializer each link the JSON
/// metadata of all ~1,000 API types into the native binary (see <see cref="KubeJson"/>).
/// </summary>
public sealed class KubeConnection : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");
    private static readonly MediaTypeHeaderValue MergePatchType = new("application/merge-patch+json");
    private static readonly Dictionary<string, string?> NoQuery = [];

    /// <summary>Connect and header timeout of one request (not of reading a body or watch stream), as KubernetesClient had it.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(100);

    private readonly HttpClient _http;
    private readonly BearerToken? _token;

    public KubeConnection(KubeClientConfig config, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        _token = BearerToken.For(config, time ?? TimeProvider.System);
        _http = new HttpClient(Handler(config)) { Timeout = RequestTimeout };
    }

    /// <summary>The server, trust and credentials this connection uses.</summary>
    public KubeClientConfig Config { get; }

    /// <summary>The server's base address (ends in <c>/</c>).</summary>
    public Uri BaseUri => Config.Server;

    /// <summary>Connects with a kubeconfig file, an explicit server URL (no credentials: tests and local proxies), or in-cluster service-account credentials (else <c>$KUBECONFIG</c>, <c>~/.kube/config</c>).</summary>
    /// <exception cref="KubeConfigException">The configuration is missing, unreadable or malformed.</exception>
    public static KubeConnection Create(string? kubeconfig = null, string? server = null) => new(
        !string.IsNullOrEmpty(server) ? KubeClientConfig.ForServer(server)
        : !string.IsNullOrEmpty(kubeconfig) ? KubeConfigLoader.FromKubeconfig(kubeconfig)
        : KubeConfigLoader.Default());

    /// <summary>The TLS settings of a configuration: its own roots (no revocation lookups, as client-go), or none checked when told so.</summary>
    internal static SocketsHttpHandler Handler(KubeClientConfig config)
    {
        var handler = new SocketsHttpHandler();
        if (config.InsecureSkipTlsVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (config.CertificateAuthorities is { Count: > 0 } roots)
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(roots);
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        if (config.ClientCertificate is { } certificate)
        {
            handler.SslOptions.ClientCertificates = [certificate];
        }

        return handler;
    }

    /// <summary>The path of a namespaced object or collection: <c>PREFIX/namespaces/NS/RESOURCE[/NAME]</c>.</summary>
    public static string Namespaced(string prefix, string ns, string resource, string? name = null) =>
        $"{prefix}/namespaces/{System.Uri.EscapeDataString(ns)}/{resource}" + (name is null ? "" : "/" + System.Uri.EscapeDataString(name));

    /// <summary>The path of a cluster-scoped object: <c>PREFIX/RESOURCE/NAME</c>.</summary>
    public static string Cluster(string prefix, string resource, string name) => $"{prefix}/{resource}/{System.Uri.EscapeDataString(name)}";

    /// <summary>GETs an object or one page of a list at <paramref name="path"/> (e.g. <c>api/v1/nodes</c>).</summary>
    public async Task<T> GetAsync<T>(string path, IReadOnlyDictionary<string, string?> query, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Uri(path, query));
        return await ReadAsync(request, type, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>GETs one page of a list at <paramref name="path"/> (e.g. <c>api/v1/nodes</c>).</summary>
    public Task<TList> GetListAsync<TList>(string path, IReadOnlyDictionary<string, string?> query, JsonTypeInfo<TList> type, CancellationToken cancellationToken) =>
        GetAsync(path, query, type, cancellationToken);

    /// <summary>POSTs <paramref name="body"/> to the collection at <paramref name="path"/>; returns what the server stored.</summary>
    public async Task<T> CreateAsync<T>(string path, T body, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Uri(path, NoQuery)) { Content = Json(body, type) };
        return await ReadAsync(request, type, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>PUTs <paramref name="body"/> at the object's <paramref name="path"/> (a conflict when its resourceVersion is stale).</summary>
    public async Task<T> ReplaceAsync<T>(string path, T body, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, Uri(path, NoQuery)) { Content = Json(body, type) };
        return await ReadAsync(request, type, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>DELETEs the object at <paramref name="path"/> with these options (preconditions, grace period).</summary>
    public async Task DeleteAsync(string path, V1DeleteOptions options, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, Uri(path, NoQuery)) { Content = Json(options, KubeJson.Default.V1DeleteOptions) };
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies a JSON merge patch (RFC 7386) to the object at <paramref name="path"/>.</summary>
    public async Task MergePatchAsync(string path, string patch, CancellationToken cancellationToken)
    {
        var content = new StringContent(patch);
        content.Headers.ContentType = MergePatchType;
        using var request = new HttpRequestMessage(HttpMethod.Patch, Uri(path, NoQuery)) { Content = content };
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a watch (<c>?watch=1</c>) and yields its events until the server ends the stream.
    /// An HTTP error status becomes a <see cref="KubeApiException"/>; a 410 inside the stream is an ERROR event.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string path, IReadOnlyDictionary<string, string?> query, JsonTypeInfo<T> type, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        var watchQuery = new Dictionary<string, string?>(query) { ["watch"] = "1" };
        using var request = new HttpRequestMessage(HttpMethod.Get, Uri(path, watchQuery));
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(body);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            yield return Parse(line, type);
        }
    }

    internal static WatchEvent<T> Parse<T>(string line, JsonTypeInfo<T> objectType)
        where T : class
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var type = root.GetProperty("type").GetString() ?? "";
        var obj = root.GetProperty("object");
        var version = obj.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() : null;
        return type switch
        {
            "ERROR" => new WatchEvent<T>(type, null, JsonSerializer.Deserialize(obj, KubeJson.Default.V1Status), version),
            "BOOKMARK" => new WatchEvent<T>(type, null, null, version),
            _ => new WatchEvent<T>(type, JsonSerializer.Deserialize(obj, objectType), null, version),
        };
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token.Current());
        }

        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            _token?.Expire();
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            string? reason = null, message = null;
            try
            {
                var status = JsonSerializer.Deserialize(text, KubeJson.Default.V1Status);
                reason = status?.Reason;
                message = status?.Message;
            }
            catch (JsonException)
            {
            }

            throw new KubeApiException(response.StatusCode, reason, $"{request.Method} {request.RequestUri?.AbsolutePath}: {(int)response.StatusCode} {message ?? text}");
        }
    }

    private static ByteArrayContent Json<T>(T body, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, type));
        content.Headers.ContentType = JsonType;
        return content;
    }

    private async Task<T> ReadAsync<T>(HttpRequestMessage request, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await JsonSerializer.DeserializeAsync(body, type, cancellationToken).ConfigureAwait(false)
            ?? throw new JsonException($"{request.Method} {request.RequestUri?.AbsolutePath}: the answer was null");
    }

    private Uri Uri(string path, IReadOnlyDictionary<string, string?> query)
    {
        var parts = query.Where(q => !string.IsNullOrEmpty(q.Value)).Select(q => $"{WebUtility.UrlEncode(q.Key)}={System.Uri.EscapeDataString(q.Value!)}");
        var text = string.Join('&', parts);
        return new Uri(Config.Server, text.Length == 0 ? path : $"{path}?{text}");
    }
}
