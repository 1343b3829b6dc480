using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Stratum.Kube.Client;

/// <summary>One watch event: ADDED, MODIFIED, DELETED, BOOKMARK (object carries only a resourceVersion) or ERROR (status set).</summary>
public sealed record WatchEvent<T>(string Type, T? Object, V1Status? Status, string? ResourceVersion)
    where T : class;

/// <summary>
/// The Kubernetes client Stratum uses: KubernetesClient.Aot's typed API for reads and writes, plus
/// list pages and watch streams over the same HttpClient and credentials. (The AOT package has no
/// watcher, and a list call with <c>watch=true</c> would be parsed as a list.)
/// </summary>
public sealed class KubeConnection(Kubernetes client) : IDisposable
{
    /// <summary>The typed API (CoreV1, StorageV1, CoordinationV1, ...).</summary>
    public Kubernetes Client { get; } = client;

    /// <summary>Connects with a kubeconfig file, an explicit server URL (no credentials: tests and local proxies), or in-cluster service-account credentials.</summary>
    public static KubeConnection Create(string? kubeconfig = null, string? server = null)
    {
        KubernetesClientConfiguration config;
        if (!string.IsNullOrEmpty(server))
        {
            config = new KubernetesClientConfiguration { Host = server };
        }
        else if (!string.IsNullOrEmpty(kubeconfig))
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        }
        else if (KubernetesClientConfiguration.IsInCluster())
        {
            config = KubernetesClientConfiguration.InClusterConfig();
        }
        else
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile();
        }

        return new KubeConnection(new Kubernetes(config));
    }

    /// <summary>GETs one page of a list at <paramref name="path"/> (e.g. <c>api/v1/nodes</c>).</summary>
    public async Task<TList> GetListAsync<TList>(string path, IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Uri(path, query));
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return KubernetesJson.Deserialize<TList>(body);
    }

    /// <summary>
    /// Opens a watch (<c>?watch=1</c>) and yields its events until the server ends the stream.
    /// An HTTP error status becomes a <see cref="KubeApiException"/>; a 410 inside the stream is an ERROR event.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string path, IReadOnlyDictionary<string, string?> query, [EnumeratorCancellation] CancellationToken cancellationToken)
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

            yield return Parse<T>(line);
        }
    }

    internal static WatchEvent<T> Parse<T>(string line)
        where T : class
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var type = root.GetProperty("type").GetString() ?? "";
        var obj = root.GetProperty("object");
        var version = obj.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() : null;
        return type switch
        {
            "ERROR" => new WatchEvent<T>(type, null, KubernetesJson.Deserialize<V1Status>(obj), version),
            "BOOKMARK" => new WatchEvent<T>(type, null, null, version),
            _ => new WatchEvent<T>(type, KubernetesJson.Deserialize<T>(obj), null, version),
        };
    }

    public void Dispose() => Client.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var response = await Client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            string? reason = null, message = null;
            try
            {
                var status = KubernetesJson.Deserialize<V1Status>(text);
                reason = status?.Reason;
                message = status?.Message;
            }
            catch (JsonException)
            {
            }

            throw new KubeApiException(response.StatusCode, reason, $"{request.Method} {request.RequestUri?.AbsolutePath}: {(int)response.StatusCode} {message ?? text}");
        }
    }

    private Uri Uri(string path, IReadOnlyDictionary<string, string?> query)
    {
        var parts = query.Where(q => !string.IsNullOrEmpty(q.Value)).Select(q => $"{WebUtility.UrlEncode(q.Key)}={System.Uri.EscapeDataString(q.Value!)}");
        var text = string.Join('&', parts);
        return new Uri(Client.BaseUri, text.Length == 0 ? path : $"{path}?{text}");
    }
}
