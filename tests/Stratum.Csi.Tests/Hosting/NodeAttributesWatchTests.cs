using System.Diagnostics;
using k8s;
using k8s.Models;
using Stratum.Config;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;
using Stratum.Csi.Tests.TestSupport;
using Stratum.Csi.V1;
using Stratum.Kube;
using Stratum.Kube.Client;
using Stratum.Kube.Informers;
using Stratum.Kube.Modify;
using Stratum.Kube.Testing;
using Stratum.Testing.Lvm;
using Stratum.Volumes.IoLimits;
using Stratum.Volumes.Metadata;

namespace Stratum.Csi.Tests.Hosting;

/// <summary>
/// ControllerModifyVolume reaching a node that does not have the volume, end to end over two
/// running plugins and the fake API server: the other node answers OK, the resizer records the
/// class on the PV, and the owning node's watcher changes the LV's limits. The watcher never holds
/// up the socket or the engine.
/// </summary>
public sealed class NodeAttributesWatchTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private readonly LvmSimulator _lvm1 = new();
    private readonly LvmSimulator _lvm2 = new();
    private FakeApiServer _server = null!;
    private KubeConnection _api = null!;

    public async Task InitializeAsync()
    {
        await _lvm1.AddVolumeGroupAsync("stratum", [4L << 30]);
        await _lvm2.AddVolumeGroupAsync("stratum", [4L << 30]);
        _server = await FakeApiServer.StartAsync();
        _api = new KubeConnection(KubeClientConfig.ForServer(_server.BaseAddress.ToString()));
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _server.DisposeAsync();
        await _lvm1.DisposeAsync();
        await _lvm2.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task ModifyReachingAnotherNode_OkThere_OwningNodeAppliesTheClassRecordedOnThePv()
    {
        await using var owner = await StartAsync("n1", _lvm1);
        await using var other = await StartAsync("n2", _lvm2);
        using var ownerClient = new CsiClient(Endpoint("n1"));
        using var otherClient = new CsiClient(Endpoint("n2"));
        var volumeId = (await ownerClient.Controller.CreateVolumeAsync(new CreateVolumeRequest
        {
            Name = "pvc-1",
            CapacityRange = new CapacityRange { RequiredBytes = 64L << 20 },
            VolumeCapabilities = { new VolumeCapability { Block = new VolumeCapability.Types.BlockVolume(), AccessMode = new VolumeCapability.Types.AccessMode { Mode = VolumeCapability.Types.AccessMode.Types.Mode.SingleNodeWriter } } },
            Parameters = { ["writeIOPS"] = "100" },
        }).ResponseAsync).Volume.VolumeId;
        _server.Put(new V1VolumeAttributesClass
        {
            ApiVersion = "storage.k8s.io/v1",
            Kind = "VolumeAttributesClass",
            Metadata = new V1ObjectMeta { Name = "fast" },
            DriverName = StratumNames.DriverName,
            Parameters = new Dictionary<string, string> { ["writeIOPS"] = "8k", ["readBytesPerSecond"] = "10Mi" },
        });
        var pv = PutPv(volumeId, className: null);

        // The leader resizer runs beside n2's plugin: n2 does not have the volume and answers OK.
        await otherClient.Controller.ControllerModifyVolumeAsync(new ControllerModifyVolumeRequest
        {
            VolumeId = volumeId,
            MutableParameters = { ["writeIOPS"] = "8k", ["readBytesPerSecond"] = "10Mi" },
        }).ResponseAsync;
        Assert.Equal(["stratum/io=wiops=100"], await IoTagsAsync(_lvm1));

        // ...and records the class on the PV; n1's watcher applies it.
        pv.Spec.VolumeAttributesClassName = "fast";
        _server.Put(pv);

        var expected = VolumeMetadata.IoTag(IoLimitSettings.Parse(new Dictionary<string, string> { ["writeIOPS"] = "8000", ["readBytesPerSecond"] = "10485760" }))!;
        await WaitUntilAsync(async () => (await IoTagsAsync(_lvm1)).SequenceEqual([expected]), "n1 applied the class");
        Assert.Empty(await _lvm2.Admin.ListLogicalVolumesAsync("stratum", default)); // n2 created and changed nothing
    }

    [Fact]
    public async Task SlowApi_SocketAndEngineReadyWithoutWaitingForIt_WatcherCatchesUpLater()
    {
        _server.Faults.Latency = TimeSpan.FromSeconds(30);
        var clock = Stopwatch.StartNew();

        await using var plugin = await StartAsync("n1", _lvm1);
        using var client = new CsiClient(Endpoint("n1"));
        var probe = await client.Identity.ProbeAsync(new ProbeRequest()).ResponseAsync;

        Assert.True(probe.Ready);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"start took {clock.Elapsed} with a slow API");
        var watcher = plugin.Attributes.Watcher!;
        Assert.False(watcher.PersistentVolumes.HasSynced); // still waiting for the API, in the background
        _server.Faults.Latency = TimeSpan.Zero;
    }

    [Fact]
    public async Task NoKubernetesApi_NoWatcherAndSaysWhy()
    {
        await using var plugin = await StartAsync("n1", _lvm1, withApi: false);

        Assert.Null(plugin.Attributes.Watcher);
        Assert.Contains("no in-cluster Kubernetes API", plugin.Attributes.Unavailable, StringComparison.Ordinal);
    }

    private ServerEndpoint Endpoint(string node) => ServerEndpoint.Parse("unix://" + _directory.File($"{node}.sock"));

    private async Task<NodePlugin> StartAsync(string nodeId, LvmSimulator lvm, bool withApi = true)
    {
        var config = ConfigLoader.LoadFromText("deviceClasses: [{name: default, volumeGroup: stratum}]\n", "config.yaml");
        var plugin = new NodePlugin(new NodeOptions { Endpoints = [Endpoint(nodeId)], NodeId = nodeId }, new CapturingLoggerProvider().CreateFactory(), new NodeDependencies
        {
            Lvm = lvm,
            Config = config,
            Kube = withApi ? _api : null,
            AttributesOptions = new VolumeAttributesOptions
            {
                RetryInterval = TimeSpan.FromMilliseconds(200),
                Informer = new InformerOptions { InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200) },
            },
        });
        await plugin.StartAndWaitAsync();
        return plugin;
    }

    private V1PersistentVolume PutPv(string volumeId, string? className) => _server.Put(new V1PersistentVolume
    {
        ApiVersion = "v1",
        Kind = "PersistentVolume",
        Metadata = new V1ObjectMeta { Name = "pv-1" },
        Spec = new V1PersistentVolumeSpec
        {
            Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("64Mi") },
            AccessModes = ["ReadWriteOnce"],
            Csi = new V1CSIPersistentVolumeSource { Driver = StratumNames.DriverName, VolumeHandle = volumeId },
            VolumeAttributesClassName = className,
            NodeAffinity = new V1VolumeNodeAffinity
            {
                Required = new V1NodeSelector
                {
                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = StratumNames.TopologyKey, OperatorProperty = "In", Values = ["n1"] }] }],
                },
            },
        },
        Status = new V1PersistentVolumeStatus { Phase = "Bound" },
    });

    private static async Task<List<string>> IoTagsAsync(LvmSimulator lvm) =>
        [.. (await lvm.Admin.ListLogicalVolumesAsync("stratum", default)).SelectMany(lv => lv.Tags).Where(t => t.StartsWith("stratum/io=", StringComparison.Ordinal))];

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting until {what}");
            }

            await Task.Delay(50);
        }
    }
}
