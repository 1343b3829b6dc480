using System.Net;
using k8s;
using k8s.Models;
using Stratum.Config;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;
using Stratum.Csi.StatusApi;
using Stratum.Csi.Tests.TestSupport;
using Stratum.Csi.V1;
using Stratum.Kube;
using Stratum.Kube.Client;
using Stratum.Kube.Gc;
using Stratum.Kube.Testing;
using Stratum.Testing.Lvm;

namespace Stratum.Csi.Tests.Hosting;

/// <summary>
/// The orphan GC inside the running plugin, against the fake API server: the configuration's mode,
/// exactly the volume without a PV goes, nothing while the API is down, and what it found shows in
/// the status service and the metrics.
/// </summary>
public sealed class NodeGcTests : IAsyncLifetime
{
    private const string NodeId = "n1";

    private readonly TempDirectory _directory = new();
    private readonly LvmSimulator _lvm = new();
    private readonly ShiftedTime _time = new();
    private FakeApiServer _server = null!;
    private KubeConnection _api = null!;
    private ServerEndpoint _endpoint = null!;

    public async Task InitializeAsync()
    {
        await _lvm.AddVolumeGroupAsync("stratum", [4L << 30]);
        _endpoint = ServerEndpoint.Parse("unix://" + _directory.File("csi.sock"));
        _server = await FakeApiServer.StartAsync();
        _api = new KubeConnection(KubeClientConfig.ForServer(_server.BaseAddress.ToString()));
        _server.Put(new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta { Name = NodeId, Labels = new Dictionary<string, string> { [StratumNames.TopologyKey] = NodeId } },
        });
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _server.DisposeAsync();
        await _lvm.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task GcDelete_VolumeWithoutPvPastGrace_DeletedAndTheOneWithAPvKept()
    {
        await using var plugin = await StartAsync("gc: delete\ngcGracePeriodSeconds: 600\n", withApi: true, metrics: true);
        using var client = new CsiClient(_endpoint);
        var kept = await CreateAsync(client, "pvc-kept");
        var orphan = await CreateAsync(client, "pvc-orphan");
        PutPv("pvc-kept", kept);

        // First sighting (the simulator's LVs carry no creation time): too young to go.
        var first = await plugin.Gc.RunOnceAsync(GcMode.Delete, CancellationToken.None);
        _time.Offset = TimeSpan.FromMinutes(11);
        var second = await plugin.Gc.RunOnceAsync(GcMode.Delete, CancellationToken.None);

        Assert.Equal([(orphan, GcVerdict.TooYoung, GcAction.None)], Summary(first!));
        Assert.Equal([(orphan, GcVerdict.Orphan, GcAction.Deleted)], Summary(second!));
        var left = await client.Controller.ListVolumesAsync(new ListVolumesRequest()).ResponseAsync;
        Assert.Equal([kept], left.Entries.Select(e => e.Volume.VolumeId));

        var status = (await client.Status.GetStatusAsync(new GetStatusRequest()).ResponseAsync).Gc;
        Assert.Equal(("delete", "", 600L, "completed", 1, 1), (status.Mode, status.Unavailable, status.GracePeriodSeconds, status.LastOutcome, status.Orphans, status.Deleted));
        Assert.Equal((orphan, "Orphan", "Deleted"), (status.Findings.Single().VolumeId, status.Findings.Single().Verdict, status.Findings.Single().Action));

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(plugin.MetricsAddress);
        Assert.Contains("stratum_gc_orphans_deleted_total 1", metrics, StringComparison.Ordinal);
        Assert.Contains("stratum_gc_orphans 1", metrics, StringComparison.Ordinal);
        Assert.Contains("stratum_gc_runs_total{result=\"completed\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GcReport_Orphan_ReportedNotDeleted()
    {
        await using var plugin = await StartAsync("gc: report\ngcGracePeriodSeconds: 600\n", withApi: true);
        using var client = new CsiClient(_endpoint);
        var orphan = await CreateAsync(client, "pvc-orphan");

        await plugin.Gc.RunOnceAsync(GcMode.Report, CancellationToken.None);
        _time.Offset = TimeSpan.FromMinutes(11);
        var report = await plugin.Gc.RunOnceAsync(plugin.Gc.Mode, CancellationToken.None);

        Assert.Equal([(orphan, GcVerdict.Orphan, GcAction.WouldDelete)], Summary(report!));
        Assert.Single((await client.Controller.ListVolumesAsync(new ListVolumesRequest()).ResponseAsync).Entries);
    }

    [Fact]
    public async Task GcDelete_ApiDown_NothingDecidedNothingDeleted()
    {
        await using var plugin = await StartAsync("gc: delete\ngcGracePeriodSeconds: 600\n", withApi: true);
        using var client = new CsiClient(_endpoint);
        await CreateAsync(client, "pvc-orphan");
        await plugin.Gc.RunOnceAsync(GcMode.Delete, CancellationToken.None);
        _time.Offset = TimeSpan.FromMinutes(11);
        _server.Faults.Unreachable = true;

        var report = await plugin.Gc.RunOnceAsync(GcMode.Delete, CancellationToken.None);

        Assert.Equal(GcOutcome.ApiUnavailable, report!.Outcome);
        Assert.Single((await client.Controller.ListVolumesAsync(new ListVolumesRequest()).ResponseAsync).Entries);
        Assert.Equal("api_unavailable", (await client.Status.GetStatusAsync(new GetStatusRequest()).ResponseAsync).Gc.LastOutcome);
    }

    [Fact]
    public async Task Gc_NoKubernetesApi_OffAndStatusSaysWhy()
    {
        await using var plugin = await StartAsync("gc: delete\n", withApi: false);
        using var client = new CsiClient(_endpoint);

        var status = (await client.Status.GetStatusAsync(new GetStatusRequest()).ResponseAsync).Gc;

        Assert.Null(await plugin.Gc.RunOnceAsync(GcMode.Delete, CancellationToken.None));
        Assert.Equal("delete", status.Mode);
        Assert.Contains("no in-cluster Kubernetes API", status.Unavailable, StringComparison.Ordinal);
        Assert.Empty(status.LastPassAt);
    }

    private async Task<NodePlugin> StartAsync(string gcKeys, bool withApi, bool metrics = false)
    {
        var config = ConfigLoader.LoadFromText(gcKeys + "gcIntervalSeconds: 86400\ndeviceClasses: [{name: default, volumeGroup: stratum}]\n", "config.yaml");
        var options = new NodeOptions
        {
            Endpoints = [_endpoint],
            NodeId = NodeId,
            MetricsEndpoint = metrics ? new IPEndPoint(IPAddress.Loopback, 0) : null,
        };
        var plugin = new NodePlugin(options, new CapturingLoggerProvider().CreateFactory(), new NodeDependencies
        {
            Lvm = _lvm,
            Config = config,
            Cluster = withApi ? new KubeClusterVolumeReader(_api) : null,
            GcTime = _time,
        });
        await plugin.StartAndWaitAsync();
        return plugin;
    }

    private static async Task<string> CreateAsync(CsiClient client, string name) =>
        (await client.Controller.CreateVolumeAsync(new CreateVolumeRequest
        {
            Name = name,
            CapacityRange = new CapacityRange { RequiredBytes = 64L << 20 },
            VolumeCapabilities = { new VolumeCapability { Block = new VolumeCapability.Types.BlockVolume(), AccessMode = new VolumeCapability.Types.AccessMode { Mode = VolumeCapability.Types.AccessMode.Types.Mode.SingleNodeWriter } } },
        }).ResponseAsync).Volume.VolumeId;

    private void PutPv(string name, string volumeId) => _server.Put(new V1PersistentVolume
    {
        ApiVersion = "v1",
        Kind = "PersistentVolume",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeSpec
        {
            Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("64Mi") },
            AccessModes = ["ReadWriteOnce"],
            Csi = new V1CSIPersistentVolumeSource { Driver = StratumNames.DriverName, VolumeHandle = volumeId },
        },
        Status = new V1PersistentVolumeStatus { Phase = "Bound" },
    });

    private static List<(string, GcVerdict, GcAction)> Summary(GcReport report) =>
        [.. report.Findings.Select(f => (f.Volume.VolumeId, f.Verdict, f.Action))];

    /// <summary>The system clock moved forward by <see cref="Offset"/> (timers stay real).</summary>
    private sealed class ShiftedTime : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }
}
