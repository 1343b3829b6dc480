using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;
using Stratum.Csi.V1;
using Stratum.Testing.Lvm;

namespace Stratum.Benchmarks;

/// <summary>
/// GetCapacity as the external-provisioner calls it: over the Unix socket, against the real
/// plugin (in-process, on the LVM simulator with 40 volumes). Also prints how many LVM commands
/// the measured calls caused — the design answers GetCapacity from memory, so it must be 0.
/// </summary>
internal static class CapacityBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var calls = args.Length > 1 && args[0] == "--calls" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20000;
        await using var lvm = new LvmSimulator();
        await lvm.AddVolumeGroupAsync("stratum", [100L << 30, 100L << 30]);
        var config = ConfigLoader.LoadFromText("""
            deviceClasses:
              - name: default
                volumeGroup: stratum
                default: true
                spare: 1Gi
              - name: mirrored
                volumeGroup: stratum
                lvcreate: { type: raid1, mirrors: 1 }
            """, "benchmark");
        var directory = Path.Combine("/tmp", "stratum-capbench-" + Guid.NewGuid().ToString("N")[..8]);
        var endpoint = ServerEndpoint.Parse("unix://" + Path.Combine(directory, "csi.sock"));
        await using var plugin = new NodePlugin(new NodeOptions { Endpoints = [endpoint], NodeId = "bench", LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning }, NullLoggerFactory.Instance, new NodeDependencies { Lvm = lvm, Config = config });
        await plugin.StartAndWaitAsync();
        using var client = new CsiClient(endpoint);
        for (var i = 0; i < 40; i++)
        {
            await client.Controller.CreateVolumeAsync(new Stratum.Csi.V1.CreateVolumeRequest
            {
                Name = $"pvc-{i}",
                CapacityRange = new CapacityRange { RequiredBytes = 1L << 30 },
                VolumeCapabilities = { new VolumeCapability { Mount = new(), AccessMode = new() { Mode = VolumeCapability.Types.AccessMode.Types.Mode.SingleNodeWriter } } },
            });
        }

        var request = new GetCapacityRequest { Parameters = { ["deviceClass"] = "mirrored" } };
        for (var i = 0; i < 2000; i++)
        {
            await client.Controller.GetCapacityAsync(request);
        }

        var lvmCallsBefore = lvm.TotalCallCount;
        var samples = new List<double>(calls);
        GetCapacityResponse last = null!;
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            last = await client.Controller.GetCapacityAsync(request);
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        var lvmCalls = lvm.TotalCallCount - lvmCallsBefore;
        samples.Sort();
        Console.WriteLine($"GetCapacity over the Unix socket, {calls} sequential calls (40 volumes, raid1 class): " +
            $"median {Stats.Percentile(samples, 50):0.000} ms, p90 {Stats.Percentile(samples, 90):0.000} ms, p99 {Stats.Percentile(samples, 99):0.000} ms   (goal: median <= 1 ms)");
        Console.WriteLine($"LVM commands caused by those calls: {lvmCalls}   (design: 0, answered from the capacity cache)");
        Console.WriteLine($"last answer: available {last.AvailableCapacity} bytes, maximum volume {last.MaximumVolumeSize} bytes");
        await plugin.StopAsync();
        Directory.Delete(directory, recursive: true);
        return lvmCalls == 0 ? 0 : 1;
    }
}
