using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Stratum.Kube.Testing;

/// <summary>
/// The fake API server's object store: one global resourceVersion counter, the change history that
/// watches replay from, and the semantics Stratum depends on — 409 on a stale resourceVersion or a
/// failed delete precondition, finalizers holding a deleted object with a deletionTimestamp, and
/// compaction that makes an old resourceVersion 410 Gone. Every object handed out is a copy.
/// </summary>
public sealed class FakeApiStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(ResourceType Type, string Namespace, string Name), JsonObject> _objects = [];
    private readonly List<Change> _history = [];
    private readonly List<Watch> _watches = [];
    private readonly TimeProvider _time;
    private long _resourceVersion = 1000;
    private long _compactedThrough;

    public FakeApiStore(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>The newest resourceVersion handed out.</summary>
    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>Open watch streams (for tests that wait for a client to be watching).</summary>
    public int WatchCount
    {
        get
        {
            lock (_gate)
            {
                return _watches.Count;
            }
        }
    }

    /// <summary>Watch requests served since start (each relist-and-rewatch adds one).</summary>
    public int WatchesStarted { get; private set; }

    public JsonObject? Get(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue((type, Ns(type, ns), name), out var obj) ? Copy(obj) : null;
        }
    }

    /// <summary>A list as the API serves it: items in name order, the list's resourceVersion, and a continue token when <paramref name="limit"/> cut it.</summary>
    public JsonObject List(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, int? limit = null, string? continueToken = null)
    {
        lock (_gate)
        {
            var listVersion = _resourceVersion;
            string? after = null;
            if (!string.IsNullOrEmpty(continueToken))
            {
                (listVersion, after) = DecodeContinue(continueToken);
                if (listVersion <= _compactedThrough)
                {
                    throw new ApiException(410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
                }
            }

            var matching = _objects
                .Where(e => e.Key.Type == type && (ns is null || e.Key.Namespace == ns))
                .Where(e => labels.Matches(e.Value) && fields.Matches(e.Value))
                .OrderBy(e => e.Key.Namespace, StringComparer.Ordinal).ThenBy(e => e.Key.Name, StringComparer.Ordinal)
                .Select(e => (Key: $"{e.Key.Namespace}/{e.Key.Name}", e.Value))
                .Where(e => after is null || string.CompareOrdinal(e.Key, after) > 0)
                .ToList();
            var page = limit is > 0 ? matching.Take(limit.Value).ToList() : matching;
            var metadata = new JsonObject { ["resourceVersion"] = Rv(listVersion) };
            if (page.Count < matching.Count)
            {
                metadata["continue"] = EncodeContinue(listVersion, page[^1].Key);
                metadata["remainingItemCount"] = matching.Count - page.Count;
            }

            var items = new JsonArray();
            foreach (var (_, value) in page)
            {
                var item = Copy(value);
                item.Remove("kind");
                item.Remove("apiVersion");
                items.Add(item);
            }

            return new JsonObject
            {
                ["kind"] = type.ListKind,
                ["apiVersion"] = type.ApiVersion,
                ["metadata"] = metadata,
                ["items"] = items,
            };
        }
    }

    /// <summary>POST: fills uid, creationTimestamp, resourceVersion (and the name from generateName); 409 AlreadyExists when taken.</summary>
    public JsonObject Create(ResourceType type, string? ns, JsonObject obj)
    {
        lock (_gate)
        {
            var created = Copy(obj);
            created["kind"] = type.Kind;
            created["apiVersion"] = type.ApiVersion;
            var metadata = Metadata(created);
            var name = metadata["name"]?.GetValue<string>();
            if (string.IsNullOrEmpty(name))
            {
                var prefix = metadata["generateName"]?.GetValue<string>()
                    ?? throw new ApiException(422, "Invalid", $"{type.Kind} \"\" is invalid: metadata.name: Required value: name or generateName is required");
                name = prefix + Guid.NewGuid().ToString("N")[..5];
                metadata["name"] = name;
            }

            var key = (type, Ns(type, ns ?? metadata["namespace"]?.GetValue<string>()), name);
            if (type.Namespaced)
            {
                metadata["namespace"] = key.Item2;
            }

            if (_objects.ContainsKey(key))
            {
                throw ApiException.AlreadyExists(type, name);
            }

            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Timestamp(_time.GetUtcNow());
            metadata["generation"] = 1;
            metadata.Remove("deletionTimestamp");
            metadata["resourceVersion"] = Rv(++_resourceVersion);
            _objects[key] = created;
            Record(new Change(_resourceVersion, "ADDED", type, key.Item2, Copy(created), null));
            return Copy(created);
        }
    }

    /// <summary>
    /// PUT: replaces the object. A resourceVersion in the body must be the current one (else 409
    /// Conflict); none means unconditional. Clearing the last finalizer of a deleted object removes it.
    /// </summary>
    public JsonObject Update(ResourceType type, string? ns, string name, JsonObject obj)
    {
        lock (_gate)
        {
            var key = (type, Ns(type, ns), name);
            if (!_objects.TryGetValue(key, out var existing))
            {
                throw ApiException.NotFound(type, name);
            }

            var updated = Copy(obj);
            var metadata = Metadata(updated);
            var requested = metadata["resourceVersion"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(requested) && requested != Metadata(existing)["resourceVersion"]?.GetValue<string>())
            {
                throw ApiException.Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");
            }

            if (metadata["name"]?.GetValue<string>() is { } bodyName && bodyName != name)
            {
                throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
            }

            return Replace(key, existing, updated);
        }
    }

    /// <summary>PATCH with a merge patch (also used for strategic merge) or a JSON patch; a resourceVersion inside a merge patch is a precondition.</summary>
    public JsonObject Patch(ResourceType type, string? ns, string name, JsonNode patch, bool jsonPatch)
    {
        lock (_gate)
        {
            var key = (type, Ns(type, ns), name);
            if (!_objects.TryGetValue(key, out var existing))
            {
                throw ApiException.NotFound(type, name);
            }

            JsonNode patched;
            if (jsonPatch)
            {
                patched = JsonPatching.JsonPatch(existing, patch as JsonArray ?? throw ApiException.BadRequest("a json patch must be an array"));
            }
            else
            {
                var requested = patch["metadata"]?["resourceVersion"]?.GetValue<string>();
                if (requested is not null && requested != Metadata(existing)["resourceVersion"]?.GetValue<string>())
                {
                    throw ApiException.Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");
                }

                patched = JsonPatching.MergePatch(existing, patch)!;
            }

            return Replace(key, existing, (JsonObject)patched);
        }
    }

    /// <summary>
    /// DELETE: with finalizers the object only gains a deletionTimestamp; otherwise it is gone.
    /// Preconditions on uid or resourceVersion that do not hold are a 409 Conflict.
    /// </summary>
    public JsonObject Delete(ResourceType type, string? ns, string name, string? uidPrecondition = null, string? rvPrecondition = null)
    {
        lock (_gate)
        {
            var key = (type, Ns(type, ns), name);
            if (!_objects.TryGetValue(key, out var existing))
            {
                throw ApiException.NotFound(type, name);
            }

            var metadata = Metadata(existing);
            if (uidPrecondition is not null && uidPrecondition != metadata["uid"]?.GetValue<string>())
            {
                throw ApiException.Conflict(type, name, $"Precondition failed: UID in precondition: {uidPrecondition}, UID in object meta: {metadata["uid"]}");
            }

            if (rvPrecondition is not null && rvPrecondition != metadata["resourceVersion"]?.GetValue<string>())
            {
                throw ApiException.Conflict(type, name, $"Precondition failed: ResourceVersion in precondition: {rvPrecondition}, ResourceVersion in object meta: {metadata["resourceVersion"]}");
            }

            if (metadata["finalizers"] is JsonArray { Count: > 0 })
            {
                if (metadata["deletionTimestamp"] is not null)
                {
                    return Copy(existing);
                }

                var marked = Copy(existing);
                Metadata(marked)["deletionTimestamp"] = Timestamp(_time.GetUtcNow());
                Metadata(marked)["deletionGracePeriodSeconds"] = 0;
                return Replace(key, existing, marked);
            }

            return Remove(key, existing);
        }
    }

    /// <summary>Creates or replaces an object without preconditions (test set-up).</summary>
    public JsonObject Put(ResourceType type, JsonObject obj)
    {
        var metadata = Metadata(obj);
        var name = metadata["name"]?.GetValue<string>() ?? throw new ArgumentException("object has no metadata.name", nameof(obj));
        var ns = metadata["namespace"]?.GetValue<string>();
        lock (_gate)
        {
            if (_objects.ContainsKey((type, Ns(type, ns), name)))
            {
                var copy = Copy(obj);
                Metadata(copy).Remove("resourceVersion");
                return Update(type, ns, name, copy);
            }

            return Create(type, ns, obj);
        }
    }

    /// <summary>Removes an object now, finalizers or not (test set-up: what the garbage collector or a kubelet would do).</summary>
    public bool ForceRemove(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            var key = (type, Ns(type, ns), name);
            if (!_objects.TryGetValue(key, out var existing))
            {
                return false;
            }

            Remove(key, existing);
            return true;
        }
    }

    /// <summary>
    /// Forgets the change history up to now, as etcd compaction does: a watch or a continue token
    /// from an older resourceVersion is answered 410 Gone, which forces clients to relist. Open
    /// watches that have not caught up are ended with a 410 ERROR event.
    /// </summary>
    public void Compact()
    {
        lock (_gate)
        {
            _compactedThrough = _resourceVersion;
            _history.Clear();
        }
    }

    /// <summary>Ends every open watch with a 410 "too old resource version" ERROR event (and compacts, so a re-watch from the same version fails too).</summary>
    public void ExpireWatches()
    {
        List<Watch> watches;
        lock (_gate)
        {
            _compactedThrough = _resourceVersion;
            _history.Clear();
            watches = [.. _watches];
        }

        foreach (var watch in watches)
        {
            watch.Fail(Gone(watch.From));
        }
    }

    /// <summary>Ends every open watch as if the connection dropped (clients re-watch from their last version).</summary>
    public void CloseWatches()
    {
        List<Watch> watches;
        lock (_gate)
        {
            watches = [.. _watches];
        }

        foreach (var watch in watches)
        {
            watch.Close();
        }
    }

    /// <summary>Sends a BOOKMARK with the current resourceVersion to every watch that allowed bookmarks.</summary>
    public void SendBookmarks()
    {
        lock (_gate)
        {
            foreach (var watch in _watches.Where(w => w.Bookmarks))
            {
                watch.Send(Event("BOOKMARK", new JsonObject
                {
                    ["kind"] = watch.Type.Kind,
                    ["apiVersion"] = watch.Type.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(_resourceVersion) },
                }));
            }
        }
    }

    /// <summary>
    /// Starts a watch. From a resourceVersion it replays newer changes (410 Gone when compacted
    /// away); from none or "0" it first sends an ADDED for every matching object.
    /// </summary>
    public Watch StartWatch(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, string? resourceVersion, bool bookmarks)
    {
        lock (_gate)
        {
            WatchesStarted++;
            var watch = new Watch(this, type, ns, labels, fields, bookmarks, resourceVersion ?? "");
            if (string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0")
            {
                foreach (var (key, value) in _objects.Where(e => e.Key.Type == type && (ns is null || e.Key.Namespace == ns)).OrderBy(e => e.Key.Name, StringComparer.Ordinal))
                {
                    if (labels.Matches(value) && fields.Matches(value))
                    {
                        watch.Send(Event("ADDED", Copy(value)));
                    }
                }
            }
            else
            {
                if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
                {
                    throw ApiException.BadRequest($"invalid resource version \"{resourceVersion}\"");
                }

                if (from < _compactedThrough)
                {
                    watch.Fail(Gone(resourceVersion));
                    return watch;
                }

                foreach (var change in _history.Where(c => c.Version > from))
                {
                    watch.Offer(change);
                }
            }

            _watches.Add(watch);
            return watch;
        }
    }

    private static JsonObject Gone(string from) => Event("ERROR", new JsonObject
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = $"too old resource version: {from} (compacted)",
        ["reason"] = "Expired",
        ["code"] = 410,
    });

    private JsonObject Replace((ResourceType Type, string Namespace, string Name) key, JsonObject existing, JsonObject updated)
    {
        var oldMeta = Metadata(existing);
        var metadata = Metadata(updated);
        updated["kind"] = key.Type.Kind;
        updated["apiVersion"] = key.Type.ApiVersion;
        metadata["name"] = key.Name;
        if (key.Type.Namespaced)
        {
            metadata["namespace"] = key.Namespace;
        }

        metadata["uid"] = oldMeta["uid"]?.DeepClone();
        metadata["creationTimestamp"] = oldMeta["creationTimestamp"]?.DeepClone();
        if (oldMeta["deletionTimestamp"] is { } deleting)
        {
            metadata["deletionTimestamp"] = deleting.DeepClone();
            if (metadata["finalizers"] is not JsonArray { Count: > 0 })
            {
                return Remove(key, existing);
            }
        }

        if (JsonNode.DeepEquals(Strip(existing), Strip(updated)))
        {
            return Copy(existing);
        }

        metadata["resourceVersion"] = Rv(++_resourceVersion);
        _objects[key] = updated;
        Record(new Change(_resourceVersion, "MODIFIED", key.Type, key.Namespace, Copy(updated), Copy(existing)));
        return Copy(updated);
    }

    private JsonObject Remove((ResourceType Type, string Namespace, string Name) key, JsonObject existing)
    {
        _objects.Remove(key);
        var gone = Copy(existing);
        Metadata(gone)["resourceVersion"] = Rv(++_resourceVersion);
        Record(new Change(_resourceVersion, "DELETED", key.Type, key.Namespace, Copy(gone), Copy(existing)));
        return gone;
    }

    private static JsonObject Strip(JsonObject obj)
    {
        var copy = Copy(obj);
        Metadata(copy).Remove("resourceVersion");
        return copy;
    }

    private void Record(Change change)
    {
        _history.Add(change);
        foreach (var watch in _watches)
        {
            watch.Offer(change);
        }
    }

    private void Detach(Watch watch)
    {
        lock (_gate)
        {
            _watches.Remove(watch);
        }
    }

    private static JsonObject Event(string type, JsonObject obj) => new() { ["type"] = type, ["object"] = obj };

    private static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata)
        {
            return metadata;
        }

        metadata = [];
        obj["metadata"] = metadata;
        return metadata;
    }

    private static JsonObject Copy(JsonObject obj) => (JsonObject)obj.DeepClone();

    private static string Ns(ResourceType type, string? ns) => type.Namespaced ? (string.IsNullOrEmpty(ns) ? "default" : ns) : "";

    private static string Rv(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string EncodeContinue(long version, string after) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{version}|{after}"));

    private static (long Version, string After) DecodeContinue(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            return (long.Parse(text[..bar], CultureInfo.InvariantCulture), text[(bar + 1)..]);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentOutOfRangeException)
        {
            throw ApiException.BadRequest($"invalid continue token: {ex.Message}");
        }
    }

    internal sealed record Change(long Version, string Type, ResourceType Resource, string Namespace, JsonObject Object, JsonObject? Old);

    /// <summary>One open watch stream: JSON events to write, one per line.</summary>
    public sealed class Watch : IDisposable
    {
        private readonly FakeApiStore _store;
        private readonly Channel<JsonObject?> _events = Channel.CreateUnbounded<JsonObject?>();

        internal Watch(FakeApiStore store, ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, bool bookmarks, string from)
        {
            _store = store;
            Type = type;
            Namespace = ns;
            Labels = labels;
            Fields = fields;
            Bookmarks = bookmarks;
            From = from;
        }

        public ResourceType Type { get; }

        public string? Namespace { get; }

        public LabelSelector Labels { get; }

        public FieldSelector Fields { get; }

        public bool Bookmarks { get; }

        public string From { get; }

        /// <summary>The events in order; ends when the watch is closed or failed.</summary>
        public ChannelReader<JsonObject?> Events => _events.Reader;

        internal void Offer(Change change)
        {
            if (change.Resource != Type || (Namespace is not null && change.Namespace != Namespace))
            {
                return;
            }

            var now = Matches(change.Object);
            var before = change.Old is not null && Matches(change.Old);
            var type = change.Type switch
            {
                "ADDED" => now ? "ADDED" : null,
                "DELETED" => before ? "DELETED" : null,
                _ => (before, now) switch
                {
                    (true, true) => "MODIFIED",
                    (false, true) => "ADDED",
                    (true, false) => "DELETED",
                    _ => null,
                },
            };
            if (type is not null)
            {
                Send(Event(type, (JsonObject)change.Object.DeepClone()));
            }
        }

        internal void Send(JsonObject evt) => _events.Writer.TryWrite(evt);

        internal void Fail(JsonObject error)
        {
            _events.Writer.TryWrite(error);
            Close();
        }

        public void Close()
        {
            _events.Writer.TryComplete();
            _store.Detach(this);
        }

        public void Dispose() => Close();

        private bool Matches(JsonObject obj) => Labels.Matches(obj) && Fields.Matches(obj);
    }
}
