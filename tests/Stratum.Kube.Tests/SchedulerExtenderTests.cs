using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Kube.Client;
using Stratum.Kube.Extender;
using Stratum.Kube.Informers;
using Stratum.Kube.Testing;

namespace Stratum.Kube.Tests;

/// <summary>The scheduler extender's filter and prioritize answers on a table of nodes, claims and classes.</summary>
public sealed class SchedulerExtenderTests
{
    private const long Gi = 1L << 30;

    /// <summary>
    /// n1: fast 100Gi, default 50Gi. n2: fast 10Gi (largest volume 8Gi), default 200Gi.
    /// n3: default 10Gi only. n4: nothing published (Stratum not there).
    /// </summary>
    private static TableCluster Table()
    {
        var cluster = new TableCluster();
        cluster.Class(Objects.StorageClass("fast-xfs", deviceClass: "fast"));
        cluster.Class(Objects.StorageClass("fast-ext4", deviceClass: "fast"));
        cluster.Class(Objects.StorageClass("standard"));
        cluster.Class(Objects.StorageClass("immediate", bindingMode: "Immediate"));
        cluster.Class(Objects.StorageClass("other", provisioner: "other.csi.example.com"));
        cluster.Capacity("n1", "fast-xfs", 100 * Gi);
        cluster.Capacity("n1", "fast-ext4", 100 * Gi);
        cluster.Capacity("n1", "standard", 50 * Gi);
        cluster.Capacity("n2", "fast-xfs", 10 * Gi, maximum: 8 * Gi);
        cluster.Capacity("n2", "standard", 200 * Gi);
        cluster.Capacity("n3", "standard", 10 * Gi);
        return cluster;
    }

    public static TheoryData<string, string[], string[], string[], string[]> Cases() => new()
    {
        // name, claims (class:size), nodes that fit, binpack order (best first), spread order
        { "one default claim", ["standard:30"], ["n1", "n2"], ["n1", "n2"], ["n2", "n1"] },
        { "two classes sharing device class fast need their sum", ["fast-xfs:6", "fast-ext4:6"], ["n1"], ["n1"], ["n1"] },
        { "each fits alone on n2 but not together", ["fast-xfs:7", "fast-xfs:7"], ["n1"], ["n1"], ["n1"] },
        { "a claim above the largest volume n2 can hold", ["fast-xfs:9"], ["n1"], ["n1"], ["n1"] },
        { "default plus fast", ["standard:5", "fast-xfs:5"], ["n1", "n2"], ["n1", "n2"], ["n2", "n1"] },
        { "small default claim fits everywhere Stratum is", ["standard:1"], ["n1", "n2", "n3"], ["n3", "n1", "n2"], ["n2", "n1", "n3"] },
        { "too big for every node", ["standard:500"], [], [], [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FilterAndPrioritize_Table(string name, string[] claims, string[] fit, string[] binpackOrder, string[] spreadOrder)
    {
        var cluster = Table();
        var pod = cluster.Pod("p", claims);
        var args = new ExtenderArgs { Pod = pod, NodeNames = ["n1", "n2", "n3", "n4"] };

        var filtered = Extender(cluster, ScoringPolicy.Binpack).Filter(args, out _);

        Assert.True(fit.SequenceEqual(filtered.NodeNames!), $"{name}: fit {string.Join(",", filtered.NodeNames!)}");
        Assert.Equal(["n1", "n2", "n3", "n4"], filtered.NodeNames!.Concat(filtered.FailedAndUnresolvableNodes.Keys).Order(StringComparer.Ordinal));
        Assert.Contains("no capacity", filtered.FailedAndUnresolvableNodes["n4"], StringComparison.Ordinal);

        var fitting = new ExtenderArgs { Pod = pod, NodeNames = [.. fit] };
        Assert.Equal(binpackOrder, Order(Extender(cluster, ScoringPolicy.Binpack).Prioritize(fitting, out _)));
        Assert.Equal(spreadOrder, Order(Extender(cluster, ScoringPolicy.Spread).Prioritize(fitting, out _)));
    }

    [Fact]
    public void Prioritize_Binpack_GivesTheFullestNodeTenAndTheEmptiestZero()
    {
        var cluster = Table();
        var args = new ExtenderArgs { Pod = cluster.Pod("p", ["standard:1"]), NodeNames = ["n1", "n2", "n3"] };

        var scores = Extender(cluster, ScoringPolicy.Binpack).Prioritize(args, out _).ToDictionary(h => h.Host, h => h.Score);

        Assert.Equal(10, scores["n3"]);
        Assert.Equal(0, scores["n2"]);
        Assert.InRange(scores["n1"], 1, 9);
    }

    [Theory]
    [InlineData("immediate:1")]
    [InlineData("other:1")]
    public void Filter_ClaimsStratumDoesNotProvisionAtScheduling_PassEveryNode(string claim)
    {
        var cluster = Table();
        var args = new ExtenderArgs { Pod = cluster.Pod("p", [claim]), NodeNames = ["n1", "n4"] };

        var filtered = Extender(cluster, ScoringPolicy.Binpack).Filter(args, out _);

        Assert.Equal(["n1", "n4"], filtered.NodeNames);
        Assert.All(Extender(cluster, ScoringPolicy.Binpack).Prioritize(args, out _), h => Assert.Equal(0, h.Score));
    }

    [Fact]
    public void Filter_BoundClaim_IsNotCountedAgain()
    {
        var cluster = Table();
        var pod = cluster.Pod("p", ["standard:500"]);
        cluster.Claims["p-0"].Spec.VolumeName = "pv-already";

        var filtered = Extender(cluster, ScoringPolicy.Binpack).Filter(new ExtenderArgs { Pod = pod, NodeNames = ["n3"] }, out _);

        Assert.Equal(["n3"], filtered.NodeNames);
    }

    [Fact]
    public void Filter_CachesNotCurrent_PassesEveryNode()
    {
        var cluster = Table();
        cluster.Current = false;
        var args = new ExtenderArgs { Pod = cluster.Pod("p", ["standard:500"]), NodeNames = ["n1", "n2"] };

        var filtered = Extender(cluster, ScoringPolicy.Binpack).Filter(args, out var result);

        Assert.Equal(["n1", "n2"], filtered.NodeNames);
        Assert.Equal("passthrough", result);
    }

    [Fact]
    public void Filter_EphemeralVolume_UsesTheClaimNamedAfterPodAndVolume()
    {
        var cluster = Table();
        var claim = Objects.Claim("ns", "web-0-scratch", storageClass: "standard", size: "30Gi");
        cluster.Claims[claim.Metadata.Name] = claim;
        var pod = new PodClaims
        {
            Metadata = new PodClaimsMeta { Name = "web-0", Namespace = "ns" },
            Spec = new PodClaimsSpec { Volumes = [new PodClaimVolume { Name = "scratch", Ephemeral = [] }] },
        };

        var filtered = Extender(cluster, ScoringPolicy.Binpack).Filter(new ExtenderArgs { Pod = pod, NodeNames = ["n1", "n3"] }, out _);

        Assert.Equal(["n1"], filtered.NodeNames);
    }

    /// <summary>The whole path: CSIStorageCapacity watched from the fake API server, JSON in the scheduler's own field names over HTTP.</summary>
    [Fact]
    public async Task Http_FilterAndPrioritize_SpeakTheSchedulerWireFormat()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var api = new KubeConnection(KubeClientConfig.ForServer(server.BaseAddress.ToString()));
        server.Put(Objects.StorageClass("standard"));
        server.Put(Objects.Node("n1"));
        server.Put(Objects.Node("n2"));
        server.Put(CapacityObject("n1", "standard", 50 * Gi));
        server.Put(CapacityObject("n2", "standard", 5 * Gi));
        server.Put(Objects.Claim("ns", "data", storageClass: "standard", size: "10Gi"));
        using var stop = new CancellationTokenSource();
        var fast = new InformerOptions { InitialBackoff = TimeSpan.FromMilliseconds(20) };
        var claims = Informers.Informers.PersistentVolumeClaims(api, NullLogger.Instance, fast);
        var classes = Informers.Informers.StorageClasses(api, NullLogger.Instance, fast);
        var capacities = Informers.Informers.StorageCapacities(api, NullLogger.Instance, fast);
        var nodes = Informers.Informers.Nodes(api, NullLogger.Instance, fast);
        var runs = new[] { claims.RunAsync(stop.Token), classes.RunAsync(stop.Token), capacities.RunAsync(stop.Token), nodes.RunAsync(stop.Token) };
        var metrics = new RecordingMetrics();
        var extender = new SchedulerExtender(new InformerCapacity(claims, classes, capacities, nodes), ScoringPolicy.Spread, metrics, NullLogger.Instance);
        var app = await extender.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => claims.IsCurrent && classes.IsCurrent && capacities.IsCurrent && nodes.IsCurrent, "the caches are current");
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            const string pod = """{"metadata":{"name":"db-0","namespace":"ns"},"spec":{"volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"data"}}]}}""";

            var filter = await PostAsync(http, "/scheduler/filter", """{"Pod":""" + pod + ""","Nodes":null,"NodeNames":["n1","n2"]}""");
            var prioritize = await PostAsync(http, "/scheduler/prioritize", """{"Pod":""" + pod + ""","NodeNames":["n1"]}""");
            var full = await PostAsync(http, "/scheduler/filter", """{"pod":""" + pod + ""","nodes":{"items":[{"metadata":{"name":"n1","labels":{"x":"y"}}},{"metadata":{"name":"n2"}}]}}""");

            Assert.Equal(["n1"], filter["NodeNames"]!.AsArray().Select(n => n!.GetValue<string>()));
            Assert.Contains("need 10737418240 bytes", filter["FailedAndUnresolvableNodes"]!["n2"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(string.Empty, filter["Error"]!.GetValue<string>());
            var only = Assert.Single(prioritize.AsArray());
            Assert.Equal("n1", only!["Host"]!.GetValue<string>());
            Assert.Equal(10, only["Score"]!.GetValue<long>());
            var kept = Assert.Single(full["Nodes"]!["items"]!.AsArray());
            Assert.Equal("y", kept!["metadata"]!["labels"]!["x"]!.GetValue<string>());
            Assert.Contains(("filter", "ok"), metrics.ExtenderRequests);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await stop.CancelAsync();
            await Task.WhenAll(runs);
        }
    }

    private static async Task<JsonNode> PostAsync(HttpClient http, string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static SchedulerExtender Extender(TableCluster cluster, ScoringPolicy policy) =>
        new(cluster, policy, new RecordingMetrics(), NullLogger.Instance);

    private static string[] Order(IEnumerable<HostPriority> scores) =>
        [.. scores.OrderByDescending(h => h.Score).ThenBy(h => h.Host, StringComparer.Ordinal).Select(h => h.Host)];

    internal static V1CSIStorageCapacity CapacityObject(string node, string storageClass, long bytes, long? maximum = null) => new()
    {
        ApiVersion = "storage.k8s.io/v1",
        Kind = "CSIStorageCapacity",
        Metadata = new V1ObjectMeta { Name = $"csisc-{node}-{storageClass}", NamespaceProperty = "stratum" },
        StorageClassName = storageClass,
        NodeTopology = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [StratumNames.TopologyKey] = node } },
        Capacity = new ResourceQuantity(bytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        MaximumVolumeSize = maximum is null ? null : new ResourceQuantity(maximum.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    };

    /// <summary>An in-memory cluster for the table.</summary>
    private sealed class TableCluster : IClusterCapacity
    {
        private readonly Dictionary<string, V1StorageClass> _classes = [];
        private readonly List<V1CSIStorageCapacity> _capacities = [];

        public Dictionary<string, V1PersistentVolumeClaim> Claims { get; } = [];

        public bool Current { get; set; } = true;

        public bool IsCurrent => Current;

        public void Class(V1StorageClass storageClass) => _classes[storageClass.Metadata.Name] = storageClass;

        public void Capacity(string node, string storageClass, long bytes, long? maximum = null) =>
            _capacities.Add(CapacityObject(node, storageClass, bytes, maximum));

        /// <summary>A pod with one claim per "class:GiB" entry, named p-0, p-1, ...</summary>
        public PodClaims Pod(string name, string[] claims)
        {
            var volumes = new List<PodClaimVolume>();
            for (var i = 0; i < claims.Length; i++)
            {
                var (cls, size) = (claims[i].Split(':')[0], claims[i].Split(':')[1]);
                var claim = Objects.Claim("ns", $"{name}-{i}", storageClass: cls, size: size + "Gi");
                Claims[claim.Metadata.Name] = claim;
                volumes.Add(new PodClaimVolume { Name = $"v{i}", PersistentVolumeClaim = new PodClaimSource { ClaimName = claim.Metadata.Name } });
            }

            return new PodClaims { Metadata = new PodClaimsMeta { Name = name, Namespace = "ns" }, Spec = new PodClaimsSpec { Volumes = volumes } };
        }

        public V1PersistentVolumeClaim? Claim(string ns, string name) => Claims.GetValueOrDefault(name);

        public V1StorageClass? StorageClass(string name) => _classes.GetValueOrDefault(name);

        public IReadOnlyList<V1CSIStorageCapacity> Capacities() => _capacities;

        public string TopologyOf(string nodeName) => nodeName;
    }
}
