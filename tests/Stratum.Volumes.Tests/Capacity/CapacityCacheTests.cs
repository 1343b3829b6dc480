using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Lvm;
using Stratum.Platform.Exec;
using Stratum.Volumes.Capacity;
using Stratum.Volumes.Tests.TestSupport;

namespace Stratum.Volumes.Tests.Capacity;

/// <summary>
/// The in-memory capacity against reports that were read before a change and answered after it:
/// the real LvmCli over the scripted lvm binary, whose reports can be held.
/// </summary>
public sealed class CapacityCacheTests : IAsyncLifetime
{
    private const long Gi = 1L << 30;

    private readonly ScriptedLvm _lvm = new();
    private readonly CapacityCache _cache;

    public CapacityCacheTests() =>
        _cache = new CapacityCache(new LvmCli(_lvm, new LvmOptions(), NullLogger<LvmCli>.Instance), NullLogger<CapacityCache>.Instance);

    public Task InitializeAsync() => _cache.RefreshAsync(default);

    public Task DisposeAsync() => _cache.DisposeAsync().AsTask();

    private long Free => _cache.Find("vg0")!.Group.FreeBytes;

    /// <summary>Creates a 1 GiB LV in the model, as another lvcreate would.</summary>
    private Task CreateLvAsync(string name) =>
        _lvm.RunAsync(new CommandSpec("lvm", ["lvcreate", "--name", name, "--size", $"{Gi}b", "vg0"]), default);

    [Theory]
    [InlineData("one VG")]
    [InlineData("every VG")]
    public async Task Refresh_ReadBeforeAnAdjustment_KeepsTheAdjustedSpace(string scope)
    {
        var free = Free;
        _lvm.ReportsHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stale = scope == "one VG" ? _cache.RefreshAsync("vg0", default) : _cache.RefreshAsync(default);

        await CreateLvAsync("made-meanwhile");
        _cache.Adjust("vg0", -Gi);
        _lvm.ReportsHeld.SetResult();
        await stale;

        Assert.Equal(free - Gi, Free);
    }

    [Fact]
    public async Task Refresh_ReadAfterAnAdjustment_TakesTheReportedSpace()
    {
        var free = Free;
        _cache.Adjust("vg0", -Gi); // an adjustment the report does not see: it is what LVM says that counts

        await _cache.RefreshAsync("vg0", default);

        Assert.Equal(free, Free);
    }

    [Fact]
    public async Task Refresh_ReadBeforeAChangeNotStratums_TakesTheReportThenTheNextOneSeesTheChange()
    {
        var free = Free;
        _lvm.ReportsHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stale = _cache.RefreshAsync("vg0", default);

        await CreateLvAsync("made-by-someone-else"); // no adjustment: nothing in memory is newer than the report
        _lvm.ReportsHeld.SetResult();
        await stale;
        var afterStale = Free;
        _lvm.ReportsHeld = null;
        await _cache.RefreshAsync(default);

        Assert.Equal(free, afterStale);
        Assert.Equal(free - Gi, Free);
    }

    [Fact]
    public async Task RefreshAfterChange_RequestsWhileOneRuns_ShareOneReportThatStartsAfterThem()
    {
        _lvm.Reset();
        _lvm.ReportsHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _cache.RefreshAfterChangeAsync("vg0");
        await WaitForAsync(() => _lvm.Commands.Count == 1);

        await CreateLvAsync("made-meanwhile");
        _cache.Adjust("vg0", -Gi);
        var queued = Enumerable.Range(0, 5).Select(_ => _cache.RefreshAfterChangeAsync("vg0")).ToList();
        var startedWhileOneRan = _lvm.Commands.Count(c => c == "fullreport");
        _lvm.ReportsHeld.SetResult();
        await Task.WhenAll([running, .. queued]);
        var after = _lvm.Commands.Count(c => c == "fullreport");
        await _cache.RefreshAfterChangeAsync("vg0");

        Assert.Equal(1, startedWhileOneRan);
        Assert.Equal(2, after); // the running one and one shared by the five queued behind it
        _ = Assert.Single(queued.Distinct()); // one task shared by all five
        Assert.Equal(3, _lvm.Commands.Count(c => c == "fullreport")); // a request after they finished gets its own
        Assert.Equal(await FreeFromLvmAsync(), Free); // the shared report started after the change: exact
    }

    private async Task<long> FreeFromLvmAsync() =>
        (await new LvmCli(_lvm, new LvmOptions(), NullLogger<LvmCli>.Instance).GetVolumeGroupAsync("vg0", default))!.FreeBytes;

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
