using System.Diagnostics;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;
using Stratum.Testing.Conformance;

namespace Stratum.Benchmarks;

/// <summary>
/// Controller calls against a plugin reached through <see cref="CsiClient"/>, whatever LVM is
/// under it (the simulator in-process, or real LVM in the VM): N concurrent CreateVolume then N
/// concurrent DeleteVolume, and LVM commands per RPC.
/// </summary>
internal static class VolumeBenchmarks
{
    public const long MiB = 1024 * 1024;

    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// <paramref name="count"/> CreateVolume calls at once, then as many DeleteVolume calls at once:
    /// every call must succeed and no LV may be left (<paramref name="countVolumes"/> counts them).
    /// </summary>
    public static async Task ConcurrentCreateDeleteAsync(Report report, CsiClient client, string where, int count, long bytes, Func<Task<int>> countVolumes)
    {
        var before = await countVolumes();
        var names = Enumerable.Range(0, count).Select(i => $"pvc-bench-{i:00}").ToList();
        var started = Stopwatch.GetTimestamp();
        var created = await Task.WhenAll(names.Select(name => TryAsync(() => client.Controller.CreateVolumeAsync(
            Requests.Create(name, bytes, Requests.Mount()), deadline: DateTime.UtcNow + CallTimeout).ResponseAsync)));
        var createMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        started = Stopwatch.GetTimestamp();
        var deleted = await Task.WhenAll(created.Where(c => c.Result is not null).Select(c => TryAsync(() => client.Controller.DeleteVolumeAsync(
            new DeleteVolumeRequest { VolumeId = c.Result!.Volume.VolumeId }, deadline: DateTime.UtcNow + CallTimeout).ResponseAsync)));
        var deleteMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var leaked = await countVolumes() - before;
        foreach (var error in created.Select(c => c.Error).Concat(deleted.Select(d => d.Error)).OfType<string>().Distinct().Take(5))
        {
            Console.Error.WriteLine($"  failed call: {error}");
        }

        var succeeded = created.Count(c => c.Result is not null) + deleted.Count(d => d.Result is not null);
        report.Add(new Metric($"{count} concurrent CreateVolume + DeleteVolume, success ({where})", 100.0 * succeeded / (2 * count), "%", 100, $"{succeeded} of {2 * count} calls OK", [], LowerIsBetter: false));
        report.Add(new Metric($"LVs leaked by them ({where})", leaked, "", 0, "LVs after minus before", []));
        report.Add(new Metric($"{count} concurrent CreateVolume, wall ({where})", createMs, "ms", null, $"{bytes / MiB} MiB each", [createMs]));
        report.Add(new Metric($"{count} concurrent DeleteVolume, wall ({where})", deleteMs, "ms", null, "", [deleteMs]));
    }

    /// <summary>
    /// LVM commands per CreateVolume and DeleteVolume, counted by <paramref name="callCount"/> over
    /// <paramref name="reps"/> create/delete pairs (median). After each call a ListVolumes waits
    /// for what the call left running in the background (the marking and report after an early
    /// CreateVolume answer), so that work is counted with the call; the commands of the
    /// ListVolumes itself (measured once, when nothing is pending) are not.
    /// </summary>
    /// <param name="describe">Names <c>count</c> calls made from a mark on (printed for the last repetition).</param>
    public static async Task LvmCallsPerRpcAsync(Report report, CsiClient client, string what, Func<int> callCount, int reps, Func<int, int, string>? describe = null)
    {
        async Task Drain() => await client.Controller.ListVolumesAsync(new ListVolumesRequest(), deadline: DateTime.UtcNow + CallTimeout);
        var listMark = callCount();
        await Drain();
        var listCost = callCount() - listMark;

        var creates = new List<double>();
        var deletes = new List<double>();
        string createCalls = "", deleteCalls = "";
        for (var i = 0; i < reps; i++)
        {
            var mark = callCount();
            var created = await client.Controller.CreateVolumeAsync(Requests.Create($"pvc-count-{i}", 64 * MiB, Requests.Mount()), deadline: DateTime.UtcNow + CallTimeout);
            await Drain();
            var count = callCount() - mark - listCost;
            creates.Add(count);
            createCalls = describe?.Invoke(mark, count) ?? "";
            mark = callCount();
            await client.Controller.DeleteVolumeAsync(new DeleteVolumeRequest { VolumeId = created.Volume.VolumeId }, deadline: DateTime.UtcNow + CallTimeout);
            await Drain();
            count = callCount() - mark - listCost;
            deletes.Add(count);
            deleteCalls = describe?.Invoke(mark, count) ?? "";
        }

        report.AddMedian($"{what} per CreateVolume", creates, "", 3, $"median of {reps}" + (createCalls.Length > 0 ? $": {createCalls}" : ""));
        report.AddMedian($"{what} per DeleteVolume", deletes, "", 2, $"median of {reps}" + (deleteCalls.Length > 0 ? $": {deleteCalls}" : ""));
    }

    private static async Task<(T? Result, string? Error)> TryAsync<T>(Func<Task<T>> call)
        where T : class
    {
        try
        {
            return (await call(), null);
        }
        catch (RpcException ex)
        {
            return (null, $"{ex.StatusCode}: {ex.Status.Detail}");
        }
    }
}
