using System.Diagnostics;
using Stratum.Lvm;
using Stratum.RealLvm.Tests.Harness;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Lvm;

/// <summary>One PV of 256 MiB holding thin pool <c>pool0</c> (32 MiB) and thin volume <c>t1</c>.</summary>
public sealed class ThinComponentVolumeGroup() : VolumeGroupFixture(pvCount: 1, pvSizeMiB: 256), IAsyncLifetime
{
    public const string Pool = "pool0";
    public const string Thin = "t1";

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Sh.RunAsync("lvcreate", "--yes", "--type", "thin-pool", "--name", Pool, "--size", "32m", VgName);
        await Sh.RunAsync("lvcreate", "--yes", "--type", "thin", "--name", Thin, "--virtualsize", "16m", "--thinpool", Pool, VgName);
    }

    /// <summary>
    /// What a plugin killed while LVM activated the pool leaves behind (found by the crash suite):
    /// the pool and its thin volumes inactive, <c>pool0_tmeta</c> active on its own.
    /// </summary>
    public async Task LeaveMetadataComponentActiveAsync()
    {
        await Sh.RunAsync("vgchange", "--activate", "n", VgName);
        await Sh.RunAsync("lvchange", "--activate", "y", "--yes", $"{VgName}/{Pool}_tmeta");
        Assert.Equal([$"{VgName}-{Pool}_tmeta"], await DeviceMapperNamesAsync());
    }

    public async Task<IReadOnlyList<string>> DeviceMapperNamesAsync() =>
        [.. (await Sh.RunAsync("dmsetup", "info", "-c", "--noheadings", "-o", "name")).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(n => n.StartsWith(VgName + "-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
}

/// <summary>
/// A pool component left active on its own makes LVM refuse every activation of the pool. The LVM
/// layer deactivates such a leftover and runs the command again, on real LVM 2.03; an open
/// component is left alone and the failure reported as in use.
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class LvmCliThinComponentTests(ThinComponentVolumeGroup vg, ITestOutputHelper output) : IClassFixture<ThinComponentVolumeGroup>
{
    private static int s_created;
    private readonly LvmCli _lvm = LvmUnderTest.Cli(output);

    public static TheoryData<string> Operations => ["create thin volume", "activate thin volume", "extend thin pool"];

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task ThinOperation_PoolMetadataComponentLeftActive_DeactivatesItAndSucceeds(string operation)
    {
        await vg.LeaveMetadataComponentActiveAsync();
        var pool = await _lvm.GetLogicalVolumeAsync(vg.VgName, ThinComponentVolumeGroup.Pool, default);

        var target = operation switch
        {
            "create thin volume" => (await _lvm.CreateThinVolumeAsync(new CreateThinVolumeRequest
            {
                VolumeGroup = vg.VgName, Pool = ThinComponentVolumeGroup.Pool, Name = $"n{Interlocked.Increment(ref s_created)}", SizeBytes = 8 << 20,
            }, default)).Name,
            "activate thin volume" => await Activate(),
            "extend thin pool" => (await _lvm.ExtendVolumeAsync(vg.VgName, ThinComponentVolumeGroup.Pool, pool!.SizeBytes + (4 << 20), default)).Name,
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };

        var names = await vg.DeviceMapperNamesAsync();
        if (target == ThinComponentVolumeGroup.Pool)
        {
            // lvextend grows an inactive pool without activating it: no component stays active alone.
            Assert.Empty(names);
            Assert.Equal(pool!.SizeBytes + (4 << 20), (await _lvm.GetLogicalVolumeAsync(vg.VgName, target, default))!.SizeBytes);
        }
        else
        {
            Assert.Contains($"{vg.VgName}-{ThinComponentVolumeGroup.Pool}-tpool", names); // the pool itself is active now
            Assert.Contains($"{vg.VgName}-{target}", names);
        }

        async Task<string> Activate()
        {
            await _lvm.ActivateVolumeAsync(vg.VgName, ThinComponentVolumeGroup.Thin, default);
            return ThinComponentVolumeGroup.Thin;
        }
    }

    [Fact]
    public async Task CreateThinVolume_LeftoverComponentHeldOpen_ThrowsInUseAndLeavesItActive()
    {
        await vg.LeaveMetadataComponentActiveAsync();
        var start = new ProcessStartInfo("sh") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-c", $"exec 3</dev/mapper/{vg.VgName}-{ThinComponentVolumeGroup.Pool}_tmeta; echo open; exec sleep 600" })
        {
            start.ArgumentList.Add(arg);
        }

        using var holder = Process.Start(start) ?? throw new InvalidOperationException("could not start sh");
        try
        {
            Assert.Equal("open", await holder.StandardOutput.ReadLineAsync());

            var error = await Assert.ThrowsAsync<LvmInUseException>(() => _lvm.CreateThinVolumeAsync(new CreateThinVolumeRequest
            {
                VolumeGroup = vg.VgName, Pool = ThinComponentVolumeGroup.Pool, Name = "never", SizeBytes = 8 << 20,
            }, default));

            Assert.Contains($"{ThinComponentVolumeGroup.Pool}_tmeta is active", error.Message, StringComparison.Ordinal);
            Assert.Equal([$"{vg.VgName}-{ThinComponentVolumeGroup.Pool}_tmeta"], await vg.DeviceMapperNamesAsync());
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }
    }
}
