using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Kube.Client;
using Stratum.Kube.Informers;
using Stratum.Kube.Testing;

namespace Stratum.Kube.Tests;

public sealed class InformerTests : FakeApiTest
{
    private static readonly InformerOptions Fast = new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(100),
    };

    private readonly CancellationTokenSource _stop = new();
    private Informer<V1Node, V1NodeList> _nodes = null!;
    private Task _running = Task.CompletedTask;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _nodes = Informers.Informers.Nodes(Api, NullLogger.Instance, Fast);
    }

    public override async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        await base.DisposeAsync();
        _stop.Dispose();
    }

    [Fact]
    public async Task Run_ListsThenFollowsTheWatch()
    {
        Server.Put(Objects.Node("n1"));
        Start();
        await _nodes.WaitForSyncAsync(_stop.Token);
        Assert.Equal(["n1"], Names());
        Assert.True(_nodes.IsCurrent);

        Server.Put(Objects.Node("n2"));
        Server.Store.Delete(ResourceType.Nodes, null, "n1");

        await Eventually.TrueAsync(() => Names().SequenceEqual(["n2"]), "the cache follows the watch");
        Assert.Equal(1, _nodes.ListCount);
    }

    [Fact]
    public async Task Run_WatchExpired_RelistsAndReportsWhatChangedMeanwhile()
    {
        Server.Put(Objects.Node("n1"));
        Server.Put(Objects.Node("n2"));
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
        await Eventually.TrueAsync(() => Server.Store.WatchCount == 1, "the informer watches");

        // The node disappears while the watch is broken and its history compacted away.
        Server.Faults.Unreachable = true;
        await Eventually.TrueAsync(() => !_nodes.IsCurrent, "the informer notices the broken watch");
        Server.Store.ForceRemove(ResourceType.Nodes, null, "n2");
        Server.Store.ExpireWatches();
        Server.Faults.Unreachable = false;

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
        await Eventually.TrueAsync(() => Server.Store.WatchCount == 1, "the informer watches");

        Server.Store.ExpireWatches();

        await Eventually.TrueAsync(() => _nodes.ListCount == 2, "the informer relists after 410");
        Assert.True(_nodes.IsCurrent);
    }

    [Fact]
    public async Task Run_WatchClosedByServer_RewatchesFromLastVersionWithoutRelisting()
    {
        Start();
        await _nodes.WaitForSyncAsync(_stop.Token);
        await Eventually.TrueAsync(() => Server.Store.WatchCount == 1, "the informer watches");

        Server.Store.CloseWatches();
        Server.Put(Objects.Node("n3"));

        await Eventually.TrueAsync(() => Names().Contains("n3"), "the new watch delivers the change");
        Assert.Equal(1, _nodes.ListCount);
    }

    [Fact]
    public async Task Run_ApiUnreachableAtStart_IsNotSyncedThenRecovers()
    {
        Server.Faults.Unreachable = true;
        Start();
        await Task.Delay(200);
        Assert.False(_nodes.HasSynced);
        Assert.False(_nodes.IsCurrent);

        Server.Faults.Unreachable = false;

        await _nodes.WaitForSyncAsync(_stop.Token).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(_nodes.IsCurrent);
    }

    [Fact]
    public async Task Run_Bookmark_AdvancesTheResourceVersion()
    {
        Start();
        await _nodes.WaitForSyncAsync(_stop.Token);
        await Eventually.TrueAsync(() => Server.Store.WatchCount == 1, "the informer watches");
        Server.Store.Put(ResourceType.Pods, FakeApiServer.ToJson(Objects.Pod("ns", "p", "n1")));

        Server.Store.SendBookmarks();

        var expected = Server.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.TrueAsync(() => _nodes.ResourceVersion == expected, "the bookmark's version is kept");
    }

    private void Start() => _running = _nodes.RunAsync(_stop.Token);

    private List<string> Names() => [.. _nodes.List().Select(n => n.Metadata.Name).Order(StringComparer.Ordinal)];
}
