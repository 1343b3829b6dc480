using System.Diagnostics;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Stratum.Kube.Client;

namespace Stratum.Kube.Informers;

/// <summary>The kind of change an informer reports.</summary>
public enum InformerEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>What changed in an informer's cache. <c>Old</c> is the previous object for updates and deletes.</summary>
public sealed record InformerEvent<T>(InformerEventType Type, T Object, T? Old)
    where T : class;

/// <summary>Tuning of an informer; defaults suit a controller.</summary>
public sealed record InformerOptions
{
    /// <summary>Page size of the initial list (and every relist).</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>
    /// How long the server keeps a watch open (<c>timeoutSeconds</c>). A watch silent for longer
    /// than this plus <see cref="SilenceMargin"/> is presumed dead (a half-open connection) and redone.
    /// </summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan SilenceMargin { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First retry delay after a failure; doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }
}

/// <summary>
/// A list-then-watch cache of one resource type, like client-go's reflector and store: lists
/// (paged), watches from the list's resourceVersion with bookmarks, relists on 410 Gone, and
/// retries with backoff when the API is unreachable. <see cref="IsCurrent"/> tells whether the
/// cache may be trusted right now; code that deletes or releases anything checks it.
/// </summary>
public sealed class Informer<T, TList>
    where T : class, IKubernetesObject<V1ObjectMeta>
    where TList : IItems<T>, IMetadata<V1ListMeta>
{
    private readonly KubeConnection _api;
    private readonly string _path;
    private readonly JsonTypeInfo<T> _itemType;
    private readonly JsonTypeInfo<TList> _listType;
    private readonly InformerOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private volatile bool _current;
    private string? _resourceVersion;

    /// <param name="path">The collection's path, e.g. <c>api/v1/persistentvolumes</c> (all namespaces for namespaced types).</param>
    /// <param name="itemType">The JSON of one object (<see cref="KubeJson"/>).</param>
    /// <param name="listType">The JSON of a list of them.</param>
    public Informer(KubeConnection api, string path, JsonTypeInfo<T> itemType, JsonTypeInfo<TList> listType, ILogger logger, InformerOptions? options = null)
    {
        _api = api;
        _path = path;
        _itemType = itemType;
        _listType = listType;
        _logger = logger;
        _options = options ?? new InformerOptions();
    }

    /// <summary>Raised on the informer's loop for every change; handlers must be quick (signal, don't work).</summary>
    public event Action<InformerEvent<T>>? Changed;

    /// <summary>
    /// Raised on the informer's loop when <see cref="IsCurrent"/> turns true again (the first list,
    /// and every recovery after a failure): a consumer that skipped work on a stale cache retries
    /// then, even if the new list changed nothing. Handlers must be quick.
    /// </summary>
    public event Action? BecameCurrent;

    /// <summary>The resource path, for logs.</summary>
    public string Path => _path;

    /// <summary>True once the first list completed.</summary>
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>
    /// True while the cache reflects the server: listed, and the watch since then unbroken. False
    /// before the first list, from a failure (unreachable, 410, dead watch) until the next
    /// successful list or watch.
    /// </summary>
    public bool IsCurrent => _current;

    /// <summary>Lists completed (the first one and every relist after 410 or a failure).</summary>
    public int ListCount { get; private set; }

    /// <summary>The newest resourceVersion seen (list, event or bookmark).</summary>
    public string? ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    public IReadOnlyList<T> List()
    {
        lock (_gate)
        {
            return [.. _items.Values];
        }
    }

    public T? Get(string? ns, string name)
    {
        lock (_gate)
        {
            return _items.GetValueOrDefault(Key(ns, name));
        }
    }

    /// <summary>Waits until the first list completed.</summary>
    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    /// <summary>Runs until cancelled: list, watch, and on any failure back off and list again.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = _options.InitialBackoff;
        var relist = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (relist)
                {
                    await ListAsync(cancellationToken).ConfigureAwait(false);
                    relist = false;
                }

                await WatchAsync(cancellationToken).ConfigureAwait(false);
                backoff = _options.InitialBackoff;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (WatchExpiredException)
            {
                _current = false;
                KubeLog.WatchExpired(_logger, _path, ResourceVersion ?? "");
                relist = true;
            }
            catch (Exception ex) when (IsRetryable(ex))
            {
                _current = false;
                relist = relist || KubeErrors.IsGone(ex);
                KubeLog.InformerFailed(_logger, _path, KubeErrors.Describe(ex), (long)backoff.TotalMilliseconds);
                try
                {
                    await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }

        _current = false;
    }

    private static bool IsRetryable(Exception ex) => ex is not (OutOfMemoryException or StackOverflowException);

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var fresh = new Dictionary<string, T>(StringComparer.Ordinal);
        string? continueToken = null;
        string? version;
        do
        {
            var page = await _api.GetListAsync(_path, Query(("limit", _options.PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("continue", continueToken)), _listType, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                fresh[Key(item.Metadata?.NamespaceProperty, item.Metadata?.Name ?? "")] = item;
            }

            version = page.Metadata?.ResourceVersion;
            continueToken = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(continueToken));

        List<InformerEvent<T>> changes = [];
        lock (_gate)
        {
            foreach (var (key, item) in fresh)
            {
                if (!_items.TryGetValue(key, out var old))
                {
                    changes.Add(new InformerEvent<T>(InformerEventType.Added, item, null));
                }
                else if (old.Metadata?.ResourceVersion != item.Metadata?.ResourceVersion)
                {
                    changes.Add(new InformerEvent<T>(InformerEventType.Modified, item, old));
                }
            }

            foreach (var (key, old) in _items)
            {
                if (!fresh.ContainsKey(key))
                {
                    changes.Add(new InformerEvent<T>(InformerEventType.Deleted, old, old));
                }
            }

            _items = fresh;
            _resourceVersion = version;
        }

        ListCount++;
        var was = _current;
        _current = true;
        _synced.TrySetResult();
        KubeLog.Listed(_logger, _path, fresh.Count, version ?? "", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        foreach (var change in changes)
        {
            Changed?.Invoke(change);
        }

        if (!was)
        {
            BecameCurrent?.Invoke();
        }
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var timeoutSeconds = (int)Math.Max(1, _options.WatchTimeout.TotalSeconds);
        var query = Query(
            ("resourceVersion", ResourceVersion),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        silence.CancelAfter(_options.WatchTimeout + _options.SilenceMargin);
        try
        {
            await foreach (var evt in _api.WatchAsync(_path, query, _itemType, silence.Token).ConfigureAwait(false))
            {
                var was = _current;
                _current = true;
                Apply(evt);
                if (!was)
                {
                    BecameCurrent?.Invoke();
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"watch of {_path} was silent for longer than {timeoutSeconds}s plus {_options.SilenceMargin.TotalSeconds:0}s");
        }
    }

    private void Apply(WatchEvent<T> evt)
    {
        InformerEvent<T>? change = null;
        switch (evt.Type)
        {
            case "BOOKMARK":
                SetVersion(evt.ResourceVersion);
                return;
            case "ERROR":
                if (evt.Status?.Code == 410)
                {
                    throw new WatchExpiredException();
                }

                throw new KubeApiException((System.Net.HttpStatusCode)(evt.Status?.Code ?? 500), evt.Status?.Reason, $"watch of {_path}: {evt.Status?.Message}");
            case "ADDED" or "MODIFIED" when evt.Object is { } obj:
                lock (_gate)
                {
                    var key = Key(obj.Metadata?.NamespaceProperty, obj.Metadata?.Name ?? "");
                    _items.TryGetValue(key, out var old);
                    _items[key] = obj;
                    _resourceVersion = evt.ResourceVersion ?? _resourceVersion;
                    change = new InformerEvent<T>(old is null ? InformerEventType.Added : InformerEventType.Modified, obj, old);
                }

                break;
            case "DELETED" when evt.Object is { } gone:
                lock (_gate)
                {
                    var key = Key(gone.Metadata?.NamespaceProperty, gone.Metadata?.Name ?? "");
                    _items.Remove(key, out var old);
                    _resourceVersion = evt.ResourceVersion ?? _resourceVersion;
                    change = new InformerEvent<T>(InformerEventType.Deleted, gone, old);
                }

                break;
        }

        if (change is not null)
        {
            Changed?.Invoke(change);
        }
    }

    private void SetVersion(string? version)
    {
        if (!string.IsNullOrEmpty(version))
        {
            lock (_gate)
            {
                _resourceVersion = version;
            }
        }
    }

    private Dictionary<string, string?> Query(params (string Key, string? Value)[] extra)
    {
        var query = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["labelSelector"] = _options.LabelSelector,
            ["fieldSelector"] = _options.FieldSelector,
        };
        foreach (var (key, value) in extra)
        {
            query[key] = value;
        }

        return query;
    }

    private static string Key(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";

    private sealed class WatchExpiredException : Exception;
}
