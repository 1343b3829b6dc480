using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Stratum.Kube.Testing;

namespace Stratum.Cli.Tests.Commands;

/// <summary><c>stratum controller</c> and <c>stratum gc</c> from the command line, against the fake API server.</summary>
public sealed class ControllerCommandTests
{
    [Theory]
    [InlineData("controller", "--scoring", "fastest")]
    [InlineData("controller", "--extender-address", "nowhere")]
    [InlineData("controller", "--metrics-address", "70000")]
    [InlineData("controller", "--node-loss-delay-seconds", "-1")]
    [InlineData("gc", "--node-id", "a")]
    public async Task Run_BadArguments_IsAUsageError(params string[] args)
    {
        var (code, _, error) = await CliRunner.RunAsync(args);

        Assert.Equal(StratumCli.UsageError, code);
        Assert.StartsWith("stratum:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NodeDeleted_ControllerReleasesTheClaimAndReportsIt()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.Store.Put(ResourceType.Nodes, Json("""{"metadata":{"name":"a","labels":{"topology.lvm.stratum.dev/node":"a"}}}"""));
        server.Store.Put(ResourceType.Nodes, Json("""{"metadata":{"name":"b","labels":{"topology.lvm.stratum.dev/node":"b"}}}"""));
        server.Store.Put(ResourceType.StorageClasses, Json("""{"metadata":{"name":"local"},"provisioner":"lvm.stratum.dev","volumeBindingMode":"WaitForFirstConsumer","parameters":{"nodeLossPolicy":"release"}}"""));
        var claim = server.Store.Put(ResourceType.PersistentVolumeClaims, Json("""{"metadata":{"name":"data","namespace":"app","finalizers":["kubernetes.io/pvc-protection"]},"spec":{"storageClassName":"local","volumeName":"pv-data","resources":{"requests":{"storage":"1Gi"}}},"status":{"phase":"Bound"}}"""));
        var pv = Json("""
            {"metadata":{"name":"pv-data"},"spec":{"storageClassName":"local","persistentVolumeReclaimPolicy":"Delete",
             "csi":{"driver":"lvm.stratum.dev","volumeHandle":"stratum:data:UUID"},
             "claimRef":{"namespace":"app","name":"data"},
             "nodeAffinity":{"required":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"topology.lvm.stratum.dev/node","operator":"In","values":["a"]}]}]}}},
             "status":{"phase":"Bound"}}
            """);
        pv["spec"]!["claimRef"]!["uid"] = claim["metadata"]!["uid"]!.GetValue<string>();
        server.Store.Put(ResourceType.PersistentVolumes, pv);
        var metricsPort = FreePort();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var run = StratumCli.RunAsync(["controller", "--server", server.BaseAddress.ToString(), "--namespace", "stratum", "--identity", "test-0",
            "--node-loss-delay-seconds", "0", "--metrics-address", $"127.0.0.1:{metricsPort}", "--log-level", "Warning"], output, errors, stop.Token);

        await WaitAsync(() => server.Store.Get(ResourceType.Leases, "stratum", "stratum-controller")?["spec"]?["holderIdentity"]?.GetValue<string>() == "test-0", "the controller leads");
        await WaitAsync(() => server.Store.WatchCount >= 5, "the controller watches");
        server.Store.Delete(ResourceType.Nodes, null, "a");
        await WaitAsync(() => server.Store.Get(ResourceType.PersistentVolumeClaims, "app", "data")?["metadata"]?["deletionTimestamp"] is not null, "the claim is released");

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
        await stop.CancelAsync();
        var code = await run;

        Assert.Equal(0, code);
        Assert.Equal("", errors.ToString());
        Assert.Contains("stratum_node_loss_actions_total{action=\"claim_released\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("stratum_leader 1", metrics, StringComparison.Ordinal);
    }

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }
}
