using System.Globalization;
using System.Net;
using Stratum.Config;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;
using Stratum.Csi.V1;
using Stratum.RealLvm.Tests.Engine;
using Stratum.RealLvm.Tests.Harness;
using Stratum.Testing.Conformance;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Metrics;

/// <summary>
/// <c>stratum node --metrics-address</c> on real LVM: the plugin (in this process, the options the
/// flag sets) runs a volume's whole life through its socket while /metrics is fetched over HTTP
/// between the steps; the figures move as the steps say, and the exposition passes
/// <c>promtool check metrics</c> (the host's promtool, seen through the shared root).
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class NodeMetricsRealTests(OnePvFixture vg, ITestOutputHelper output) : IClassFixture<OnePvFixture>
{
    private const long MiB = 1024 * 1024;
    private const string Promtool = "/usr/bin/promtool";

    [Fact]
    public async Task Metrics_VolumeLifecycle_FiguresFollowEachStep()
    {
        var directory = Path.Combine("/run", "stratum-metrics-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var endpoint = ServerEndpoint.Parse("unix://" + Path.Combine(directory, "csi.sock"));
        var config = ConfigLoader.LoadFromText($"deviceClasses: [{{name: default, volumeGroup: {vg.VgName}}}]\n", "config.yaml");
        var options = new NodeOptions { Endpoints = [endpoint], NodeId = "metrics-node", MetricsEndpoint = new IPEndPoint(IPAddress.Loopback, 0) };
        using var loggers = new SharedOutputLogger { Output = output };
        await using var plugin = new NodePlugin(options, loggers, new NodeDependencies { Config = config, Runner = LvmUnderTest.Runner(output) });
        await plugin.StartAndWaitAsync();
        using var client = new CsiClient(endpoint);
        using var http = new HttpClient();
        var series = $"{{vg=\"{vg.VgName}\"}}";
        async Task<Dictionary<string, double>> Scrape(string step)
        {
            var text = await http.GetStringAsync(plugin.MetricsAddress);
            await PromtoolAsync(step, text);
            return Parse(text);
        }

        try
        {
            var capability = Requests.Mount("ext4");
            var before = await Scrape("start");
            var created = (await client.Controller.CreateVolumeAsync(Requests.Create("pvc-metrics", 16 * MiB, capability)).ResponseAsync).Volume;
            var afterCreate = await Scrape("created");
            var staging = Path.Combine(directory, "staging");
            var target = Path.Combine(directory, "target");
            await client.Node.NodeStageVolumeAsync(Requests.Stage(created.VolumeId, staging, capability));
            await client.Node.NodePublishVolumeAsync(Requests.Publish(created.VolumeId, staging, target, capability));
            var afterPublish = await Scrape("published");
            await client.Node.NodeUnpublishVolumeAsync(new NodeUnpublishVolumeRequest { VolumeId = created.VolumeId, TargetPath = target });
            await client.Node.NodeUnstageVolumeAsync(new NodeUnstageVolumeRequest { VolumeId = created.VolumeId, StagingTargetPath = staging });
            await client.Controller.DeleteVolumeAsync(new DeleteVolumeRequest { VolumeId = created.VolumeId });
            var afterDelete = await Scrape("deleted");

            // Volumes per class.
            Assert.Equal([0, 1, 1, 0], new[] { before, afterCreate, afterPublish, afterDelete }.Select(m => Get(m, "stratum_volumes{device_class=\"default\"}")));
            // VG size and free space: the volume's 16 MiB and back.
            Assert.Equal(vg.PvSizeBytes - (4 * MiB), Get(before, "stratum_vg_size_bytes" + series), 4 * MiB);
            Assert.Equal(Get(before, "stratum_vg_free_bytes" + series) - (16 * MiB), Get(afterCreate, "stratum_vg_free_bytes" + series));
            Assert.Equal(Get(before, "stratum_vg_free_bytes" + series), Get(afterDelete, "stratum_vg_free_bytes" + series));
            // CSI calls by method and code.
            Assert.Equal(0, Get(before, "stratum_csi_requests_total{method=\"CreateVolume\",code=\"OK\"}"));
            Assert.Equal(1, Get(afterCreate, "stratum_csi_requests_total{method=\"CreateVolume\",code=\"OK\"}"));
            Assert.Equal(1, Get(afterPublish, "stratum_csi_requests_total{method=\"NodeStageVolume\",code=\"OK\"}"));
            Assert.Equal(1, Get(afterDelete, "stratum_csi_requests_total{method=\"DeleteVolume\",code=\"OK\"}"));
            Assert.Equal(1, Get(afterDelete, "stratum_csi_request_duration_seconds_count{method=\"NodeUnstageVolume\",code=\"OK\"}"));
            // LVM command durations: lvcreate ran once for the create, lvremove once for the delete.
            Assert.Equal(0, Get(before, "stratum_lvm_command_duration_seconds_count{command=\"lvcreate\",outcome=\"ok\"}"));
            Assert.Equal(1, Get(afterCreate, "stratum_lvm_command_duration_seconds_count{command=\"lvcreate\",outcome=\"ok\"}"));
            Assert.True(Get(afterCreate, "stratum_lvm_command_duration_seconds_sum{command=\"lvcreate\",outcome=\"ok\"}") > 0);
            Assert.Equal(1, Get(afterDelete, "stratum_lvm_command_duration_seconds_count{command=\"lvremove\",outcome=\"ok\"}"));
            // Other subprocesses: the filesystem was made at stage.
            Assert.Equal(0, Get(afterCreate, "stratum_command_duration_seconds_count{command=\"mkfs.ext4\",outcome=\"ok\"}"));
            Assert.Equal(1, Get(afterPublish, "stratum_command_duration_seconds_count{command=\"mkfs.ext4\",outcome=\"ok\"}"));
            // State figures.
            Assert.Equal(1, Get(afterDelete, "stratum_config_generation"));
            Assert.InRange(Get(afterDelete, "stratum_capacity_cache_age_seconds"), 0, 120);
        }
        finally
        {
            await plugin.StopAsync();
            await Sh.TryRunAsync("umount", Path.Combine(directory, "target"));
            await Sh.TryRunAsync("umount", Path.Combine(directory, "staging"));
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The exposition passes promtool's lint (names, units, help), when the host has promtool.</summary>
    private async Task PromtoolAsync(string step, string exposition)
    {
        if (!File.Exists(Promtool))
        {
            output.WriteLine($"promtool not at {Promtool}: the lint is left to the unit tests (scripts/test-tools installs it)");
            return;
        }

        var result = await Sh.TryRunAsync(Promtool, ["check", "metrics"], input: exposition);
        Assert.True(result.Succeeded, $"promtool check metrics at step '{step}' failed: {result.Stdout}{result.Stderr}");
    }

    /// <summary>Sample lines as series to value (comments skipped).</summary>
    private static Dictionary<string, double> Parse(string exposition)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var split = line.LastIndexOf(' ');
            samples[line[..split]] = double.Parse(line[(split + 1)..], CultureInfo.InvariantCulture);
        }

        return samples;
    }

    /// <summary>The sample's value; an absent series counts as 0 (a counter or histogram not yet touched).</summary>
    private static double Get(Dictionary<string, double> samples, string series) => samples.GetValueOrDefault(series);
}
