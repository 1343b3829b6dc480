using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;
using Stratum.Csi.V1;
using Stratum.Testing.Conformance;
using Stratum.Testing.Lvm;

namespace Stratum.Benchmarks;

/// <summary>
/// The real plugin in-process on the LVM simulator, reached over its Unix socket (no device-mapper
/// needed): LVM calls per CreateVolume/DeleteVolume (each call of the simulator stands for one
/// <c>lvm</c> process of LvmCli; the VM benchmark counts real processes), 32 concurrent
/// CreateVolume then DeleteVolume, and GetCapacity as the external-provisioner calls it (answered
/// from memory: it must cause no LVM call).
/// </summary>
internal static class SimulatorBenchmark
{
    public static async Task RunAsync(Report report, int capacityCalls)
    {
        await using var lvm = new LvmSimulator();
        await lvm.AddVolumeGroupAsync("stratum", [100L << 30, 100L << 30]);
        var config = ConfigLoader.LoadFromText("""
            capacityRefreshSeconds: 3600
            deviceClasses:
              - name: default
                volumeGroup: stratum
                default: true
                spare: 1Gi
              - name: mirrored
                volumeGroup: stratum
                lvcreate: { type: raid1, mirrors: 1 }
            """, "benchmark");
        var directory = Path.Combine(Path.GetTempPath(), "stratum-simbench-" + Guid.NewGuid().ToString("N")[..8]);
        var endpoint = ServerEndpoint.Parse("unix://" + Path.Combine(directory, "csi.sock"));
        await using var plugin = new NodePlugin(
            new NodeOptions { Endpoints = [endpoint], NodeId = "bench", LogLevel = LogLevel.Warning },
            NullLoggerFactory.Instance,
            new NodeDependencies { Lvm = lvm, Config = config });
        await plugin.StartAndWaitAsync();
        using var client = new CsiClient(endpoint);
        try
        {
            await VolumeBenchmarks.LvmCallsPerRpcAsync(report, client, "LVM calls (simulator)", () => lvm.TotalCallCount, reps: 5);
            async Task<int> CountVolumes() => (await lvm.ListLogicalVolumesAsync("stratum", default)).Length;
            await VolumeBenchmarks.ConcurrentCreateDeleteAsync(report, client, "simulator", 32, 1L << 30, CountVolumes);
            await CapacityAsync(report, client, lvm, capacityCalls);
        }
        finally
        {
            await plugin.StopAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task CapacityAsync(Report report, CsiClient client, LvmSimulator lvm, int calls)
    {
        for (var i = 0; i < 40; i++)
        {
            await client.Controller.CreateVolumeAsync(Requests.Create($"pvc-cap-{i}", 1L << 30, Requests.Mount()));
        }

        var request = new GetCapacityRequest { Parameters = { ["deviceClass"] = "mirrored" } };
        for (var i = 0; i < Math.Min(calls, 1000); i++)
        {
            await client.Controller.GetCapacityAsync(request);
        }

        var before = lvm.TotalCallCount;
        var samples = new List<double>(calls);
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await client.Controller.GetCapacityAsync(request);
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        samples.Sort();
        report.Add(new Metric("GetCapacity p50 (simulator, 40 volumes, raid1 class)", Stats.Percentile(samples, 50), "ms", 1, $"{calls} sequential calls over the socket", []));
        report.Add(new Metric("LVM calls caused by those GetCapacity calls", lvm.TotalCallCount - before, "", 0, "answered from the capacity cache", []));
    }
}
