using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Kube.Client;
using Stratum.Kube.Informers;
using Stratum.Kube.NodeLoss;
using Stratum.Kube.Testing;

namespace Stratum.Kube.Tests;

/// <summary>Node deletion against the fake API server: exactly the claims the policy allows are released, with Events.</summary>
public sealed class NodeLossControllerTests : FakeApiTest
{
    private static readonly InformerOptions Fast = new() { InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(100) };
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly CancellationTokenSource _stop = new();
    private readonly ManualTime _time = new(Start);
    private readonly RecordingMetrics _metrics = new();
    private readonly List<Task> _running = [];
    private Informer<V1Node, V1NodeList> _nodes = null!;
    private Informer<V1PersistentVolume, V1PersistentVolumeList> _pvs = null!;
    private Informer<V1PersistentVolumeClaim, V1PersistentVolumeClaimList> _pvcs = null!;
    private Informer<V1StorageClass, V1StorageClassList> _classes = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var node in new[] { "a", "b", "c", "d" })
        {
            Server.Put(Objects.Node(node));
        }

        Server.Put(Objects.StorageClass("keep-sc"));
        Server.Put(Objects.StorageClass("release-sc", nodeLossPolicy: "release"));
        Server.Put(Objects.StorageClass("odd-sc", nodeLossPolicy: "maybe"));

        // On node a: one claim per class, each used by a pod on a.
        Bound("db", "keep-sc", "a");
        Bound("cache", "release-sc", "a");
        Bound("odd", "odd-sc", "a");
        Bound("kept-retain", "release-sc", "a", reclaimPolicy: "Retain");
        // On node b: a releasable claim whose node stays.
        Bound("elsewhere", "release-sc", "b");
    }

    public override async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        await base.DisposeAsync();
        _stop.Dispose();
    }

    [Fact]
    public async Task Reconcile_NodeNotReady_DoesNothing()
    {
        var controller = await StartAsync();
        Server.Put(Objects.Node("a", ready: false));
        await Eventually.TrueAsync(() => _nodes.Get(null, "a")?.Status?.Conditions?[0].Status == "False", "the cache sees NotReady");
        _time.Advance(TimeSpan.FromHours(1));

        var pass = await controller.ReconcileAsync(CancellationToken.None);

        Assert.Empty(pass.LostNodes);
        AssertClaims("cache", "db", "elsewhere", "kept-retain", "odd");
    }

    [Fact]
    public async Task Reconcile_NodeDeleted_ReleasesOnlyTheClaimsWhosePolicySaysRelease()
    {
        var controller = await StartAsync();
        await DeleteNodeAsync("a");

        var early = await controller.ReconcileAsync(CancellationToken.None);
        Assert.Empty(early.Actions);

        _time.Advance(TimeSpan.FromMinutes(1));
        var pass = await controller.ReconcileAsync(CancellationToken.None);

        Assert.Equal(["a"], pass.LostNodes);
        Assert.Contains("release ns/cache", pass.Actions);
        Assert.Contains("release ns/kept-retain", pass.Actions);
        Assert.DoesNotContain(pass.Actions, a => a.Contains("/db", StringComparison.Ordinal) || a.Contains("/odd", StringComparison.Ordinal) || a.Contains("elsewhere", StringComparison.Ordinal));
        Assert.NotNull(Claim("cache")!.Metadata.DeletionTimestamp);
        Assert.Null(Claim("db")!.Metadata.DeletionTimestamp);
        Assert.Null(Claim("odd")!.Metadata.DeletionTimestamp);
        Assert.Null(Claim("elsewhere")!.Metadata.DeletionTimestamp);
        Assert.Contains("NodeLostClaimReleased", Reasons("cache"));
        Assert.Contains("NodeLostClaimKept", Reasons("db"));
        Assert.Contains("claim_released", _metrics.NodeLossActions);
    }

    [Fact]
    public async Task Reconcile_ReleasedEphemeralClaim_DeletesThePodWhoseVolumeItIs()
    {
        Bound("web-0-scratch", "release-sc", "a");
        var pod = Objects.Pod("ns", "web-0", "a");
        pod.Spec.Volumes = [new V1Volume { Name = "scratch", Ephemeral = new V1EphemeralVolumeSource { VolumeClaimTemplate = new V1PersistentVolumeClaimTemplate { Spec = new V1PersistentVolumeClaimSpec() } } }];
        Server.Put(pod);
        var controller = await StartAsync();
        await DeleteNodeAsync("a");
        _time.Advance(TimeSpan.FromMinutes(1));

        var pass = await controller.ReconcileAsync(CancellationToken.None);

        Assert.Contains("release ns/web-0-scratch", pass.Actions);
        Assert.Contains("delete pod ns/web-0", pass.Actions);
    }

    [Fact]
    public async Task Reconcile_ReleasedClaim_DeletesThePodsThatHoldItThenThePv()
    {
        var controller = await StartAsync();
        Server.Put(Objects.Pod("ns", "cache-0-recreated", null, "cache"));
        Server.Put(Objects.Pod("ns", "reader-on-b", "b", "cache"));
        await DeleteNodeAsync("a");
        _time.Advance(TimeSpan.FromMinutes(1));

        var first = await controller.ReconcileAsync(CancellationToken.None);

        Assert.Contains("delete pod ns/cache-0", first.Actions);
        Assert.Contains("delete pod ns/cache-0-recreated", first.Actions);
        Assert.DoesNotContain("delete pod ns/reader-on-b", first.Actions);
        Assert.Contains("NodeLostPodDeleted", Reasons("cache"));

        // What kube-controller-manager does next: pvc-protection lets the claim go, the PV controller marks the PV Released.
        Server.Store.ForceRemove(ResourceType.PersistentVolumeClaims, "ns", "cache");
        var pv = Server.Get<V1PersistentVolume>(ResourceType.PersistentVolumes, null, "pv-cache")!;
        pv.Status.Phase = "Released";
        Server.Put(pv);
        await Eventually.TrueAsync(() => _pvcs.Get("ns", "cache") is null && _pvs.Get(null, "pv-cache")?.Status?.Phase == "Released", "the caches see it");

        var second = await controller.ReconcileAsync(CancellationToken.None);

        Assert.Contains("delete pv pv-cache", second.Actions);
        var gone = Server.Get<V1PersistentVolume>(ResourceType.PersistentVolumes, null, "pv-cache");
        Assert.True(gone is null || (gone.Metadata.DeletionTimestamp is not null && !gone.Metadata.Finalizers.Contains(StratumNames.ProvisionerFinalizer)));
        Assert.Contains("volume_deleted", _metrics.NodeLossActions);
    }

    [Fact]
    public async Task Reconcile_RetainPolicyPv_IsNotDeleted()
    {
        var controller = await StartAsync();
        await DeleteNodeAsync("a");
        _time.Advance(TimeSpan.FromMinutes(1));
        await controller.ReconcileAsync(CancellationToken.None);
        Server.Store.ForceRemove(ResourceType.PersistentVolumeClaims, "ns", "kept-retain");
        var pv = Server.Get<V1PersistentVolume>(ResourceType.PersistentVolumes, null, "pv-kept-retain")!;
        pv.Status.Phase = "Released";
        Server.Put(pv);
        await Eventually.TrueAsync(() => _pvs.Get(null, "pv-kept-retain")?.Status?.Phase == "Released", "the cache sees it");

        var pass = await controller.ReconcileAsync(CancellationToken.None);

        Assert.DoesNotContain("delete pv pv-kept-retain", pass.Actions);
        Assert.Null(Server.Get<V1PersistentVolume>(ResourceType.PersistentVolumes, null, "pv-kept-retain")!.Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task Reconcile_Twice_AndAfterARestart_DoesNotRepeatActions()
    {
        var controller = await StartAsync();
        await DeleteNodeAsync("a");
        _time.Advance(TimeSpan.FromMinutes(1));
        await controller.ReconcileAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => _pvcs.Get("ns", "cache")?.Metadata.DeletionTimestamp is not null, "the cache sees the deletion");
        var releasedEvents = Reasons("cache").Count(r => r == "NodeLostClaimReleased");

        var again = await controller.ReconcileAsync(CancellationToken.None);
        var restarted = NewController();
        _time.Advance(TimeSpan.FromMinutes(1));
        await restarted.ReconcileAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        var afterRestart = await restarted.ReconcileAsync(CancellationToken.None);

        Assert.DoesNotContain(again.Actions, a => a.StartsWith("release", StringComparison.Ordinal));
        Assert.DoesNotContain(afterRestart.Actions, a => a.StartsWith("release", StringComparison.Ordinal));
        Assert.Equal(releasedEvents, Reasons("cache").Count(r => r == "NodeLostClaimReleased"));
    }

    [Fact]
    public async Task Reconcile_NodeBackWithinTheDelay_ReleasesNothing()
    {
        var controller = await StartAsync();
        await DeleteNodeAsync("a");
        await controller.ReconcileAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(30));
        Server.Put(Objects.Node("a"));
        await Eventually.TrueAsync(() => _nodes.Get(null, "a") is not null, "the node is back in the cache");
        _time.Advance(TimeSpan.FromMinutes(5));

        var pass = await controller.ReconcileAsync(CancellationToken.None);

        Assert.Empty(pass.LostNodes);
        AssertClaims("cache", "db", "elsewhere", "kept-retain", "odd");
    }

    [Fact]
    public async Task Reconcile_CacheNotCurrent_DoesNothing()
    {
        var controller = await StartAsync();
        await DeleteNodeAsync("a");
        _time.Advance(TimeSpan.FromMinutes(1));
        Server.Faults.Unreachable = true;
        await Eventually.TrueAsync(() => !_nodes.IsCurrent, "the informers notice the API is gone");

        var pass = await controller.ReconcileAsync(CancellationToken.None);

        Assert.True(pass.Skipped);
        Server.Faults.Unreachable = false;
        AssertClaims("cache", "db", "elsewhere", "kept-retain", "odd");
    }

    [Fact]
    public async Task Reconcile_MostNodesVanishAtOnce_RefusesToRelease()
    {
        Bound("c-data", "release-sc", "c");
        var controller = await StartAsync();
        await DeleteNodeAsync("a");
        await DeleteNodeAsync("b");
        await DeleteNodeAsync("c");
        _time.Advance(TimeSpan.FromMinutes(1));

        var pass = await controller.ReconcileAsync(CancellationToken.None);

        Assert.True(pass.Skipped);
        Assert.Empty(pass.Actions);
        Assert.Contains("refused", _metrics.NodeLossActions);
        AssertClaims("c-data", "cache", "db", "elsewhere", "kept-retain", "odd");
    }

    [Fact]
    public async Task Reconcile_ClaimRecreatedWithTheSameName_IsNotTouched()
    {
        var controller = await StartAsync();
        Server.Store.ForceRemove(ResourceType.PersistentVolumeClaims, "ns", "cache");
        Server.Put(Objects.Claim("ns", "cache", storageClass: "release-sc"));
        await DeleteNodeAsync("a");
        await Eventually.TrueAsync(() => _pvcs.Get("ns", "cache")?.Spec.VolumeName is null, "the cache sees the new claim");
        _time.Advance(TimeSpan.FromMinutes(1));

        var pass = await controller.ReconcileAsync(CancellationToken.None);

        Assert.DoesNotContain("release ns/cache", pass.Actions);
        Assert.Null(Claim("cache")!.Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task Run_NodeDeleted_ReleasesWithoutBeingAsked()
    {
        await StartInformersAsync();
        var controller = NewController(new NodeLossOptions { Delay = TimeSpan.Zero, ResyncInterval = TimeSpan.FromMilliseconds(200) }, TimeProvider.System);
        _running.Add(controller.RunAsync(_stop.Token));

        Server.Store.Delete(ResourceType.Nodes, null, "a");

        await Eventually.TrueAsync(() => Claim("cache")?.Metadata.DeletionTimestamp is not null, "the controller releases the claim");
    }

    private async Task<NodeLossController> StartAsync()
    {
        await StartInformersAsync();
        return NewController();
    }

    private async Task StartInformersAsync()
    {
        _nodes = Informers.Informers.Nodes(Api, NullLogger.Instance, Fast);
        _pvs = Informers.Informers.PersistentVolumes(Api, NullLogger.Instance, Fast);
        _pvcs = Informers.Informers.PersistentVolumeClaims(Api, NullLogger.Instance, Fast);
        _classes = Informers.Informers.StorageClasses(Api, NullLogger.Instance, Fast);
        _running.Add(_nodes.RunAsync(_stop.Token));
        _running.Add(_pvs.RunAsync(_stop.Token));
        _running.Add(_pvcs.RunAsync(_stop.Token));
        _running.Add(_classes.RunAsync(_stop.Token));
        await Task.WhenAll(_nodes.WaitForSyncAsync(_stop.Token), _pvs.WaitForSyncAsync(_stop.Token), _pvcs.WaitForSyncAsync(_stop.Token), _classes.WaitForSyncAsync(_stop.Token));
    }

    private NodeLossController NewController(NodeLossOptions? options = null, TimeProvider? time = null) =>
        new(Api, _nodes, _pvs, _pvcs, _classes, options ?? new NodeLossOptions { Delay = TimeSpan.FromMinutes(1), Instance = "test" }, _metrics, NullLogger.Instance, time ?? _time);

    private async Task DeleteNodeAsync(string node)
    {
        Server.Store.Delete(ResourceType.Nodes, null, node);
        await Eventually.TrueAsync(() => _nodes.Get(null, node) is null, $"the cache sees node {node} deleted");
    }

    private void Bound(string name, string storageClass, string node, string reclaimPolicy = "Delete")
    {
        var claim = Server.Put(Objects.Claim("ns", name, storageClass: storageClass, volumeName: "pv-" + name));
        Server.Put(Objects.PersistentVolume("pv-" + name, $"stratum:{name}:UUID", node, storageClass, "ns", name, claim.Metadata.Uid, reclaimPolicy: reclaimPolicy));
        Server.Put(Objects.Pod("ns", name + "-0", node, name));
    }

    private V1PersistentVolumeClaim? Claim(string name) => Server.Get<V1PersistentVolumeClaim>(ResourceType.PersistentVolumeClaims, "ns", name);

    private List<string> Reasons(string claim) =>
        [.. Server.All<Corev1Event>(ResourceType.Events).Where(e => e.InvolvedObject.Name == claim).Select(e => e.Reason)];

    private void AssertClaims(params string[] undeleted) =>
        Assert.Equal(undeleted, Server.All<V1PersistentVolumeClaim>(ResourceType.PersistentVolumeClaims)
            .Where(c => c.Metadata.DeletionTimestamp is null).Select(c => c.Metadata.Name).Order(StringComparer.Ordinal));
}
