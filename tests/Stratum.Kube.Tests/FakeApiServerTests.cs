using System.Net;
using k8s.Models;
using Stratum.Kube.Client;
using Stratum.Kube.Testing;

namespace Stratum.Kube.Tests;

/// <summary>The fake API server through Stratum's own client: what Stratum relies on must behave as the real server does.</summary>
public sealed class FakeApiServerTests : FakeApiTest
{
    [Fact]
    public async Task Create_ThenGet_FillsServerFields()
    {
        var created = await Api.CreateNodeAsync(Objects.Node("n1"));
        var read = await Api.ReadNodeAsync("n1");

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal(created.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
        Assert.Equal("n1", read.Metadata.Labels[StratumNames.TopologyKey]);
    }

    [Fact]
    public async Task Create_Existing_Is409AlreadyExists()
    {
        await Api.CreateNodeAsync(Objects.Node("n1"));

        var ex = await Assert.ThrowsAsync<KubeApiException>(() => Api.CreateNodeAsync(Objects.Node("n1")));

        Assert.Equal(HttpStatusCode.Conflict, ex.StatusCode);
        Assert.Equal("AlreadyExists", ex.Reason);
    }

    [Fact]
    public async Task Read_Missing_Is404()
    {
        var ex = await Assert.ThrowsAsync<KubeApiException>(() => Api.ReadNodeAsync("nope"));

        Assert.True(KubeErrors.IsNotFound(ex));
    }

    [Fact]
    public async Task Replace_WithStaleResourceVersion_Is409Conflict()
    {
        var first = await Api.CreateNodeAsync(Objects.Node("n1"));
        first.Metadata.Labels["a"] = "1";
        await Api.ReplaceNodeAsync(first);

        first.Metadata.Labels["a"] = "2";
        var ex = await Assert.ThrowsAsync<KubeApiException>(() => Api.ReplaceNodeAsync(first));

        Assert.True(KubeErrors.IsConflict(ex));
        Assert.Equal("1", (await Api.ReadNodeAsync("n1")).Metadata.Labels["a"]);
    }

    [Fact]
    public async Task Delete_WithFinalizer_SetsDeletionTimestampUntilFinalizersAreRemoved()
    {
        var claim = await Api.CreateClaimAsync(Objects.Claim("ns", "data"));

        await Api.DeleteClaimAsync("ns", "data");
        var deleting = await Api.ReadClaimAsync("ns", "data");
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);

        await Api.MergePatchClaimAsync("ns", "data", """{"metadata":{"finalizers":null}}""");

        var ex = await Assert.ThrowsAsync<KubeApiException>(() => Api.ReadClaimAsync("ns", "data"));
        Assert.True(KubeErrors.IsNotFound(ex));
        Assert.False(string.IsNullOrEmpty(claim.Metadata.Uid));
    }

    [Fact]
    public async Task Delete_WithWrongUidPrecondition_Is409AndKeepsTheObject()
    {
        await Api.CreateNodeAsync(Objects.Node("n1"));

        var ex = await Assert.ThrowsAsync<KubeApiException>(() => Api.DeleteNodeAsync(
            "n1", new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = "another-uid" } }));

        Assert.True(KubeErrors.IsConflict(ex));
        Assert.NotNull(await Api.ReadNodeAsync("n1"));
    }

    [Fact]
    public async Task List_WithLimit_PagesWithContinueAtOneResourceVersion()
    {
        for (var i = 0; i < 5; i++)
        {
            Server.Put(Objects.Node($"n{i}"));
        }

        var first = await Api.ListNodesAsync(limit: 2);
        var second = await Api.ListNodesAsync(limit: 2, continueToken: first.Metadata.ContinueProperty);
        var third = await Api.ListNodesAsync(limit: 2, continueToken: second.Metadata.ContinueProperty);

        Assert.Equal(["n0", "n1", "n2", "n3", "n4"], first.Items.Concat(second.Items).Concat(third.Items).Select(n => n.Metadata.Name));
        Assert.Null(third.Metadata.ContinueProperty);
        Assert.Equal(first.Metadata.ResourceVersion, third.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task List_ContinueAfterCompaction_Is410()
    {
        for (var i = 0; i < 3; i++)
        {
            Server.Put(Objects.Node($"n{i}"));
        }

        var first = await Api.ListNodesAsync(limit: 1);
        Server.Put(Objects.Node("n9"));
        Server.Store.Compact();

        var ex = await Assert.ThrowsAsync<KubeApiException>(() => Api.ListNodesAsync(limit: 1, continueToken: first.Metadata.ContinueProperty));
        Assert.True(KubeErrors.IsGone(ex));
    }

    [Theory]
    [InlineData("role=db", new[] { "a" })]
    [InlineData("role!=db", new[] { "b", "c" })]
    [InlineData("role in (db,web)", new[] { "a", "b" })]
    [InlineData("role notin (db,web)", new[] { "c" })]
    [InlineData("role", new[] { "a", "b" })]
    [InlineData("!role", new[] { "c" })]
    [InlineData("role=web,zone=z1", new[] { "b" })]
    public async Task List_WithLabelSelector_ReturnsMatches(string selector, string[] expected)
    {
        Server.Put(Labelled("a", ("role", "db")));
        Server.Put(Labelled("b", ("role", "web"), ("zone", "z1")));
        Server.Put(Labelled("c", ("zone", "z1")));

        var list = await Api.ListNodesAsync(labelSelector: selector);

        Assert.Equal(expected, list.Items.Select(n => n.Metadata.Name));
    }

    [Theory]
    [InlineData("spec.nodeName=n1", new[] { "p1" })]
    [InlineData("spec.nodeName!=n1", new[] { "p2", "p3" })]
    [InlineData("spec.nodeName=", new[] { "p3" })]
    [InlineData("metadata.name=p2", new[] { "p2" })]
    public async Task List_WithFieldSelector_ReturnsMatches(string selector, string[] expected)
    {
        Server.Put(Objects.Pod("ns", "p1", "n1"));
        Server.Put(Objects.Pod("ns", "p2", "n2"));
        Server.Put(Objects.Pod("ns", "p3", null));

        var list = await Api.ListPodsAsync("ns", selector);

        Assert.Equal(expected, list.Items.Select(p => p.Metadata.Name));
    }

    [Fact]
    public async Task Watch_FromListVersion_StreamsLaterChangesInOrder()
    {
        Server.Put(Objects.Node("n1"));
        var list = await Api.ListNodesAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<string>();
        var watching = Task.Run(async () =>
        {
            await foreach (var evt in Api.WatchAsync("api/v1/nodes", Query(("resourceVersion", list.Metadata.ResourceVersion)), KubeJson.Default.V1Node, cts.Token))
            {
                events.Add($"{evt.Type} {evt.Object?.Metadata.Name}");
                if (events.Count == 3)
                {
                    break;
                }
            }
        });
        await Eventually.TrueAsync(() => Server.Store.WatchCount == 1, "the watch is open");

        Server.Put(Objects.Node("n2"));
        var n1 = Server.Get<V1Node>(ResourceType.Nodes, null, "n1")!;
        n1.Metadata.Labels["x"] = "y";
        Server.Put(n1);
        Server.Store.Delete(ResourceType.Nodes, null, "n2");
        await watching;

        Assert.Equal(["ADDED n2", "MODIFIED n1", "DELETED n2"], events);
    }

    [Fact]
    public async Task Watch_FromCompactedVersion_SendsA410ErrorEvent()
    {
        Server.Put(Objects.Node("n1"));
        var list = await Api.ListNodesAsync();
        Server.Put(Objects.Node("n2"));
        Server.Store.Compact();

        var events = new List<WatchEvent<V1Node>>();
        await foreach (var evt in Api.WatchAsync("api/v1/nodes", Query(("resourceVersion", list.Metadata.ResourceVersion)), KubeJson.Default.V1Node, CancellationToken.None))
        {
            events.Add(evt);
        }

        var error = Assert.Single(events);
        Assert.Equal("ERROR", error.Type);
        Assert.Equal(410, error.Status?.Code);
    }

    [Fact]
    public async Task Watch_WithBookmarks_ReceivesTheCurrentResourceVersion()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var bookmark = Task.Run(async () =>
        {
            await foreach (var evt in Api.WatchAsync("api/v1/nodes", Query(("resourceVersion", Server.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("allowWatchBookmarks", "true")), KubeJson.Default.V1Node, cts.Token))
            {
                if (evt.Type == "BOOKMARK")
                {
                    return evt.ResourceVersion;
                }
            }

            return null;
        });
        await Eventually.TrueAsync(() => Server.Store.WatchCount == 1, "the watch is open");
        Server.Store.ForceRemove(ResourceType.Nodes, null, "none");
        Server.Put(Objects.Node("elsewhere"));

        Server.Store.SendBookmarks();

        Assert.Equal(Server.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), await bookmark);
    }

    [Fact]
    public async Task Unreachable_DropsConnectionsWithoutAnAnswer()
    {
        Server.Faults.Unreachable = true;

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => Api.ListNodesAsync());

        Assert.True(KubeErrors.IsUnavailable(ex), ex.ToString());
        Server.Faults.Unreachable = false;
        Assert.Empty((await Api.ListNodesAsync()).Items);
    }

    [Fact]
    public async Task FailNext_AnswersWithTheInjectedStatusOnce()
    {
        Server.Faults.FailNext(1, 503);

        var ex = await Assert.ThrowsAsync<KubeApiException>(() => Api.ListNodesAsync());

        Assert.True(KubeErrors.IsUnavailable(ex));
        Assert.Empty((await Api.ListNodesAsync()).Items);
    }

    [Fact]
    public async Task Events_CanBeCreatedAndListedByInvolvedObject()
    {
        var evt = new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = "data.", NamespaceProperty = "ns" },
            InvolvedObject = new V1ObjectReference { Kind = "PersistentVolumeClaim", Name = "data", NamespaceProperty = "ns", Uid = "u1" },
            Reason = "NodeLost",
            Message = "m",
            Type = "Warning",
        };
        await Api.CreateEventAsync(evt);

        var list = await Api.ListEventsAsync("ns", "involvedObject.uid=u1");

        Assert.Equal("NodeLost", Assert.Single(list.Items).Reason);
    }

    private static V1Node Labelled(string name, params (string Key, string Value)[] labels)
    {
        var node = Objects.Node(name);
        node.Metadata.Labels = labels.ToDictionary(l => l.Key, l => l.Value);
        return node;
    }

    private static Dictionary<string, string?> Query(params (string Key, string? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);
}
