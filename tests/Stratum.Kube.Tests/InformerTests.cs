using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Kube.Client;
using Stratum.Kube.Informers;
using Stratum.Kube.Testing;

namespace Stratum.Kube.Tests;

public sealed class InformerTests : IAsyncLifetime
{
    private static readonly InformerOptions Fast = new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(100),
    };

    private readonly CancellationTokenSource _stop = new();
    private FakeApiServer _server = null!;
    private KubeConnection _api = null!;
    private Informer<V1Node, V1NodeList> _nodes = null!;
    private Task _running = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _api = new KubeConnection(new Kubernetes(_server.ClientConfiguration()));
        _nodes = Informers.Informers.Nodes(_api, NullLogger.Instance, Fast);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _api.Dispose();
        await _server.DisposeAsync();
        _stop.Dispose();
    }

    [Fact]
    public async Task Run_ListsThenFollowsTheWatch()
    {
        _server.Put(Objects.Node("n1"));
        Start();
        await _nodes.WaitForSyncAsync(_stop.Token);
        Assert.Equal(["n1"], Names());
        Assert.True(_nodes.IsCurrent);

        _server.Put(Objects.Node("n2"));
        _server.Store.Delete(ResourceType.Nodes, null, "n1");

        await Eventually.TrueAsync(() => Names().SequenceEqual(["n2"]), "the cache follows the watch");
        Assert.Equal(1, _nodes.ListCount);
    }

    [Fact]
    public async Task Run_WatchExpired_RelistsAndReportsWhatChangedMeanwhile()
    {
        _server.Put(Objects.Node("n1"));
        _server.Put(Objects.Node("n2"));
        var deleted = new List<string>();
        _nodes.Changed += e =>
        {
            if (e.Type == InformerEventType.Deleted)
            {
                lock (deleted)
                {
                    deleted.Add(e.Object.Metadata.Name);
                }
            }
        };
        Start();
        await _nodes.WaitForSyncAsync(_stop.Token);
        await Eventually.TrueAsync(() => _server.Store.WatchCount == 1, "the informer watches");

        // The node disappears while the watch is broken and its history compacted away.
        _server.Faults.Unreachable = true;
        await Eventually.TrueAsync(() => !_nodes.IsCurrent, "the informer notices the broken watch");
        _server.Store.ForceRemove(ResourceType.Nodes, null, "n2");
        _server.Store.ExpireWatches();
        _server.Faults.Unreachable = false;

        await Eventually.TrueAsync(() => _nodes.ListCount >= 2 && _nodes.IsCurrent, "the informer relists");
        Assert.Equal(["n1"], Names());
        lock (deleted)
        {
            Assert.Equal(["n2"], deleted);
        }
    }

    [Fact]
    public async Task Run_410ErrorEventOnOpenWatch_Relists()
    {
        Start();
        await _nodes.WaitForSyncAsync(_stop.Token);
        await Eventually.TrueAsync(() => _server.Store.WatchCount == 1, "the informer watches");

        _server.Store.ExpireWatches();

        await Eventually.TrueAsync(() => _nodes.ListCount == 2, "the informer relists after 410");
        Assert.True(_nodes.IsCurrent);
    }

    [Fact]
    public async Task Run_WatchClosedByServer_RewatchesFromLastVersionWithoutRelisting()
    {
        Start();
        await _nodes.WaitForSyncAsync(_stop.Token);
        await Eventually.TrueAsync(() => _server.Store.WatchCount == 1, "the informer watches");

        _server.Store.CloseWatches();
        _server.Put(Objects.Node("n3"));

        await Eventually.TrueAsync(() => Names().Contains("n3"), "the new watch delivers the change");
        Assert.Equal(1, _nodes.ListCount);
    }

    [Fact]
    public async Task Run_ApiUnreachableAtStart_IsNotSyncedThenRecovers()
    {
        _server.Faults.Unreachable = true;
        Start();
        await Task.Delay(200);
        Assert.False(_nodes.HasSynced);
        Assert.False(_nodes.IsCurrent);

        _server.Faults.Unreachable = false;

        await _nodes.WaitForSyncAsync(_stop.Token).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(_nodes.IsCurrent);
    }

    [Fact]
    public async Task Run_Bookmark_AdvancesTheResourceVersion()
    {
        Start();
        await _nodes.WaitForSyncAsync(_stop.Token);
        await Eventually.TrueAsync(() => _server.Store.WatchCount == 1, "the informer watches");
        _server.Store.Put(ResourceType.Pods, FakeApiServer.ToJson(Objects.Pod("ns", "p", "n1")));

        _server.Store.SendBookmarks();

        var expected = _server.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.TrueAsync(() => _nodes.ResourceVersion == expected, "the bookmark's version is kept");
    }

    private void Start() => _running = _nodes.RunAsync(_stop.Token);

    private List<string> Names() => [.. _nodes.List().Select(n => n.Metadata.Name).Order(StringComparer.Ordinal)];
}
