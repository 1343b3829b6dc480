using System.Diagnostics;
using Stratum.Lvm;
using Stratum.Testing.Lvm;

namespace Stratum.Testing.Tests.Lvm;

/// <summary>The simulator's test controls: fault injection, delays, gates, call counts, the Admin view.</summary>
public sealed class LvmSimulatorControlTests
{
    private const long MiB = 1024 * 1024;
    private static CancellationToken Ct => CancellationToken.None;

    private static async Task<LvmSimulator> SimAsync()
    {
        var sim = new LvmSimulator();
        await sim.AddVolumeGroupAsync("vg", [128 * MiB, 128 * MiB]);
        return sim;
    }

    private static CreateVolumeRequest Lv(string name) => new() { VolumeGroup = "vg", Name = name, SizeBytes = MiB };

    // ================================================================ fault injection

    [Fact]
    public async Task FailNext_NextCall_ThrowsTheGivenExceptionAndChangesNothing()
    {
        await using var sim = await SimAsync();
        var injected = new LvmLockedException("flock failed");
        sim.FailNext(LvmOperation.CreateVolume, injected);

        var thrown = await Assert.ThrowsAsync<LvmLockedException>(() => sim.CreateVolumeAsync(Lv("a"), Ct));
        var retried = await sim.CreateVolumeAsync(Lv("a"), Ct);

        Assert.Same(injected, thrown);
        Assert.Equal("a", retried.Name);
        Assert.Equal(0, sim.PendingFailures(LvmOperation.CreateVolume));
    }

    [Fact]
    public async Task FailNext_TwoQueued_FailTheNextTwoCallsOfThatOperationOnly()
    {
        await using var sim = await SimAsync();
        sim.FailNext(LvmOperation.RemoveVolume, new LvmTimeoutException("timed out", null, null, null, null));
        sim.FailNext(LvmOperation.RemoveVolume, new InvalidOperationException("boom"));
        await sim.CreateVolumeAsync(Lv("a"), Ct);

        await Assert.ThrowsAsync<LvmTimeoutException>(() => sim.RemoveVolumeAsync("vg", "a", Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => sim.RemoveVolumeAsync("vg", "a", Ct));
        await sim.RemoveVolumeAsync("vg", "a", Ct);

        Assert.Null(await sim.GetLogicalVolumeAsync("vg", "a", Ct));
    }

    [Fact]
    public async Task FailNext_CallFailingValidation_DoesNotUseUpTheFailure()
    {
        await using var sim = await SimAsync();
        sim.FailNext(LvmOperation.CreateVolume, new LvmCommandFailedException("injected"));

        await Assert.ThrowsAsync<LvmValidationException>(() => sim.CreateVolumeAsync(Lv("bad name"), Ct));

        Assert.Equal(1, sim.PendingFailures(LvmOperation.CreateVolume));
    }

    [Fact]
    public async Task FailNext_AdminCalls_AreNeverFailed()
    {
        await using var sim = await SimAsync();
        sim.FailNext(LvmOperation.CreateVolume, new LvmCommandFailedException("injected"));

        await sim.Admin.CreateVolumeAsync(Lv("foreign"), Ct);

        Assert.Equal(1, sim.PendingFailures(LvmOperation.CreateVolume));
        Assert.Contains(await sim.ListLogicalVolumesAsync("vg", Ct), lv => lv.Name == "foreign");
    }

    // ================================================================ call counts

    [Fact]
    public async Task GetCallCount_MixedCalls_CountsEachOperationButNotAdminCalls()
    {
        await using var sim = await SimAsync();

        await sim.CreateVolumeAsync(Lv("a"), Ct);
        await sim.GetLogicalVolumeAsync("vg", "a", Ct);
        await sim.GetLogicalVolumeAsync("vg", "b", Ct);
        await Assert.ThrowsAsync<LvmValidationException>(() => sim.GetLogicalVolumeAsync("vg", "-bad", Ct));
        await sim.Admin.RemoveVolumeAsync("vg", "a", Ct);

        Assert.Equal(1, sim.GetCallCount(LvmOperation.CreateVolume));
        Assert.Equal(3, sim.GetCallCount(LvmOperation.GetLogicalVolume));
        Assert.Equal(0, sim.GetCallCount(LvmOperation.RemoveVolume));
        Assert.Equal(4, sim.TotalCallCount);
        Assert.Equal(
            [new LvmCall(LvmOperation.CreateVolume, "vg/a"), new LvmCall(LvmOperation.GetLogicalVolume, "vg/a"), new LvmCall(LvmOperation.GetLogicalVolume, "vg/b"), new LvmCall(LvmOperation.GetLogicalVolume, "vg/-bad")],
            sim.Calls);
    }

    [Fact]
    public async Task ResetCalls_AfterCalls_StartsCountingAgain()
    {
        await using var sim = await SimAsync();
        await sim.ListVolumeGroupsAsync(Ct);

        sim.ResetCalls();
        await sim.ListLogicalVolumesAsync("vg", Ct);

        Assert.Equal([new LvmCall(LvmOperation.ListLogicalVolumes, "vg")], sim.Calls);
    }

    [Fact]
    public async Task AddVolumeGroup_Setup_IsNotCounted()
    {
        await using var sim = await SimAsync();

        Assert.Equal(0, sim.TotalCallCount);
    }

    // ================================================================ gates and delays

    [Fact]
    public async Task Hold_CallInFlight_WaitsWhileOtherOperationsProceedThenCompletesOnRelease()
    {
        await using var sim = await SimAsync();
        using var gate = sim.Hold(LvmOperation.CreateVolume);

        var held = sim.CreateVolumeAsync(Lv("held"), Ct);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        var meanwhile = await sim.ListLogicalVolumesAsync("vg", Ct);
        var other = await sim.Admin.CreateVolumeAsync(Lv("other"), Ct);

        Assert.False(held.IsCompleted);
        Assert.Equal(1, gate.Waiting);
        Assert.Empty(meanwhile);
        Assert.Equal("other", other.Name);

        gate.Release();
        var created = await held.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("held", created.Name);
        Assert.Equal(0, gate.Waiting);
        Assert.Equal("after", (await sim.CreateVolumeAsync(Lv("after"), Ct)).Name);
    }

    [Fact]
    public async Task Hold_HeldCallCancelled_ThrowsCancellationAndChangesNothing()
    {
        await using var sim = await SimAsync();
        using var gate = sim.Hold(LvmOperation.RemoveVolume);
        await sim.CreateVolumeAsync(Lv("a"), Ct);
        using var cts = new CancellationTokenSource();

        var held = sim.RemoveVolumeAsync("vg", "a", cts.Token);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held);
        Assert.NotNull(await sim.GetLogicalVolumeAsync("vg", "a", Ct));
    }

    [Fact]
    public async Task Hold_SameOperationTwice_Throws()
    {
        await using var sim = await SimAsync();
        using var gate = sim.Hold(LvmOperation.ExtendVolume);

        Assert.Throws<InvalidOperationException>(() => sim.Hold(LvmOperation.ExtendVolume));
        gate.Release();
        using var again = sim.Hold(LvmOperation.ExtendVolume);
    }

    [Fact]
    public async Task SetDelay_Operation_DelaysItsCallsUntilCleared()
    {
        await using var sim = await SimAsync();
        sim.SetDelay(LvmOperation.GetVolumeGroup, TimeSpan.FromMilliseconds(300));

        var watch = Stopwatch.StartNew();
        await sim.GetVolumeGroupAsync("vg", Ct);
        var delayed = watch.Elapsed;
        sim.SetDelay(LvmOperation.GetVolumeGroup, TimeSpan.Zero);
        watch.Restart();
        await sim.GetVolumeGroupAsync("vg", Ct);

        Assert.True(delayed >= TimeSpan.FromMilliseconds(280), $"took {delayed}");
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(280), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task SetDelay_CallCancelledWhileDelayed_ThrowsCancellation()
    {
        await using var sim = await SimAsync();
        sim.SetDelay(LvmOperation.CreateVolume, TimeSpan.FromMinutes(5));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sim.CreateVolumeAsync(Lv("a"), cts.Token));

        Assert.Empty(await sim.ListLogicalVolumesAsync("vg", Ct));
    }

    [Fact]
    public async Task DisposeAsync_WithAHeldCall_ReleasesItAndLaterCallsThrowObjectDisposed()
    {
        var sim = await SimAsync();
        var gate = sim.Hold(LvmOperation.CreateVolume);
        var held = sim.CreateVolumeAsync(Lv("a"), Ct);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(10));

        await sim.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => held.WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => sim.ListVolumeGroupsAsync(Ct));
    }
}
