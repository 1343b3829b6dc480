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
    /// <paramref name="reps"/> create/delete pairs (median); <paramref name="settle"/> lets
    /// work a call leaves behind (a coalesced refresh) be counted with it.
    /// </summary>
    /// <param name="describeSince">Names the calls made since a mark (printed for the last repetition).</param>
    public static async Task LvmCallsPerRpcAsync(Report report, CsiClient client, string what, Func<int> callCount, int reps, TimeSpan settle, Func<int, string>? describeSince = null)
    {
        var creates = new List<double>();
        var deletes = new List<double>();
        string createCalls = "", deleteCalls = "";
        for (var i = 0; i < reps; i++)
        {
            var mark = callCount();
            var created = await client.Controller.CreateVolumeAsync(Requests.Create($"pvc-count-{i}", 64 * MiB, Requests.Mount()), deadline: DateTime.UtcNow + CallTimeout);
            await Task.Delay(settle);
            creates.Add(callCount() - mark);
            createCalls = describeSince?.Invoke(mark) ?? "";
            mark = callCount();
            await client.Controller.DeleteVolumeAsync(new DeleteVolumeRequest { VolumeId = created.Volume.VolumeId }, deadline: DateTime.UtcNow + CallTimeout);
            await Task.Delay(settle);
            deletes.Add(callCount() - mark);
            deleteCalls = describeSince?.Invoke(mark) ?? "";
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
