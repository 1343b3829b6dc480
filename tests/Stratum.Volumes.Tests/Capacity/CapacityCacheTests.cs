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
}
