using Stratum.Lvm;
using Stratum.RealLvm.Tests.Harness;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Lvm;

/// <summary>
/// A raid1 LV losing a leg: the PV under one image is a dm-linear slice whose table is swapped for
/// an <c>error</c> target, as if the disk died; LvmCli must report it through <c>lv_health_status</c>.
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class RaidLegFailureTests(VolumeGroupFixture vg, ITestOutputHelper output) : IClassFixture<VolumeGroupFixture>
{
    private readonly LvmCli _lvm = LvmUnderTest.Cli(output);

    [Fact]
    public async Task GetLogicalVolume_Raid1WithAFailedLeg_ReportsPartialThenRefreshNeededUntilRefreshed()
    {
        var created = await _lvm.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg.VgName, Name = "mirror", SizeBytes = 16 << 20, Mirrors = 1 }, default);
        var leg = vg.Slices[1];
        LogicalVolume? failed, restored;
        await SwapTableAsync(leg, $"0 {leg.SectorCount} error");
        try
        {
            // The kernel learns of the dead leg from an I/O that fails on it.
            await Sh.RunAsync("dd", "if=/dev/zero", $"of={created.Path}", "bs=1M", "count=1", "oflag=direct");
            failed = await _lvm.GetLogicalVolumeAsync(vg.VgName, "mirror", default);
        }
        finally
        {
            await SwapTableAsync(leg, leg.LinearTable);
        }

        restored = await _lvm.GetLogicalVolumeAsync(vg.VgName, "mirror", default);
        await Sh.RunAsync("lvchange", "--refresh", $"{vg.VgName}/mirror");
        var refreshed = await _lvm.GetLogicalVolumeAsync(vg.VgName, "mirror", default);

        Assert.Null(created.HealthStatus);
        Assert.Equal("partial", failed!.HealthStatus);   // LVM cannot read the PV: it is missing
        Assert.Equal('p', failed.Attributes[8]);
        Assert.True(failed.IsActive);                     // and the LV still serves I/O from the other leg
        Assert.Equal("refresh needed", restored!.HealthStatus); // the PV is back, the kernel still has the leg failed
        Assert.Null(refreshed!.HealthStatus);
    }

    private static async Task SwapTableAsync(DiskSlice slice, string table)
    {
        await Sh.RunAsync("dmsetup", "load", slice.Name, "--table", table);
        await Sh.RunAsync("dmsetup", "resume", slice.Name);
    }
}
