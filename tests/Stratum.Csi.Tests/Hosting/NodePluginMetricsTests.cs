using System.Net;
using System.Net.Sockets;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;
using Stratum.Csi.Tests.TestSupport;
using Stratum.Csi.V1;
using Stratum.Testing.Lvm;

namespace Stratum.Csi.Tests.Hosting;

/// <summary><c>stratum node --metrics-address</c>: the figures follow a volume's life.</summary>
public sealed class NodePluginMetricsTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private readonly LvmSimulator _lvm = new();
    private ServerEndpoint _endpoint = null!;

    public async Task InitializeAsync()
    {
        await _lvm.AddVolumeGroupAsync("stratum", [4L << 30]);
        _endpoint = ServerEndpoint.Parse("unix://" + _directory.File("csi.sock"));
    }

    public async Task DisposeAsync()
    {
        await _lvm.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Metrics_AfterCreateAndDelete_ShowCallsAndFreeSpaceChanging()
    {
        var options = new NodeOptions { Endpoints = [_endpoint], NodeId = "n1", MetricsEndpoint = new IPEndPoint(IPAddress.Loopback, FreePort()) };
        await using var plugin = new NodePlugin(options, new CapturingLoggerProvider().CreateFactory(), new NodeDependencies { Lvm = _lvm });
        await plugin.StartAndWaitAsync();
        using var client = new CsiClient(_endpoint);
        using var http = new HttpClient();
        var before = await http.GetStringAsync(plugin.MetricsAddress);

        var created = await client.Controller.CreateVolumeAsync(new CreateVolumeRequest
        {
            Name = "pvc-metrics",
            CapacityRange = new CapacityRange { RequiredBytes = 1L << 30 },
            VolumeCapabilities = { new VolumeCapability { Mount = new VolumeCapability.Types.MountVolume(), AccessMode = new VolumeCapability.Types.AccessMode { Mode = VolumeCapability.Types.AccessMode.Types.Mode.SingleNodeWriter } } },
        }).ResponseAsync;
        var afterCreate = await http.GetStringAsync(plugin.MetricsAddress);
        await client.Controller.DeleteVolumeAsync(new DeleteVolumeRequest { VolumeId = created.Volume.VolumeId }).ResponseAsync;
        await client.Controller.DeleteVolumeAsync(new DeleteVolumeRequest { VolumeId = created.Volume.VolumeId }).ResponseAsync;
        var afterDelete = await http.GetStringAsync(plugin.MetricsAddress);

        Assert.InRange(Value(before, "stratum_vg_size_bytes{vg=\"stratum\"}"), 3L << 30, 4L << 30);
        Assert.Equal(Value(before, "stratum_vg_free_bytes{vg=\"stratum\"}") - (1L << 30), Value(afterCreate, "stratum_vg_free_bytes{vg=\"stratum\"}"));
        Assert.Equal(Value(before, "stratum_vg_free_bytes{vg=\"stratum\"}"), Value(afterDelete, "stratum_vg_free_bytes{vg=\"stratum\"}"));
        Assert.Equal(0, Value(before, "stratum_csi_requests_total{method=\"CreateVolume\",code=\"OK\"}"));
        Assert.Equal(1, Value(afterCreate, "stratum_csi_requests_total{method=\"CreateVolume\",code=\"OK\"}"));
        Assert.Equal(2, Value(afterDelete, "stratum_csi_requests_total{method=\"DeleteVolume\",code=\"OK\"}"));
        Assert.Equal(1, Value(afterDelete, "stratum_csi_request_duration_seconds_count{method=\"CreateVolume\",code=\"OK\"}"));
        Assert.InRange(Value(afterDelete, "stratum_capacity_cache_age_seconds"), 0, 60);
        Assert.Equal([0, 1, 0], [Value(before, "stratum_volumes{device_class=\"default\"}"), Value(afterCreate, "stratum_volumes{device_class=\"default\"}"), Value(afterDelete, "stratum_volumes{device_class=\"default\"}")]);
        Assert.Contains("stratum_volumes{device_class=\"default\"} 0", before, StringComparison.Ordinal);
        Assert.Equal(1, Value(afterDelete, "stratum_config_generation"));
        Assert.Equal(0, Value(afterDelete, "stratum_config_reload_errors_total"));
    }

    [Fact]
    public async Task Metrics_Off_NoEndpoint()
    {
        await using var plugin = new NodePlugin(new NodeOptions { Endpoints = [_endpoint], NodeId = "n1" }, new CapturingLoggerProvider().CreateFactory(), new NodeDependencies { Lvm = _lvm });
        await plugin.StartAndWaitAsync();

        Assert.Null(plugin.MetricsAddress);
    }

    /// <summary>The sample's value, or 0 when the series is absent.</summary>
    private static double Value(string exposition, string series)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
