using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Lvm;
using Stratum.Platform.Exec;
using Stratum.RealLvm.Tests.Harness;
using Stratum.Testing.Conformance;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Conformance;

/// <summary>
/// The CSI conformance suite on real LVM: the real plugin over <see cref="LvmCli"/>, a VG on four
/// PVs (testbed disk slices, spread over the disks), real mkfs/mount/grow, and a work directory on
/// /run (sockets and mount points cannot live on the VM's 9p root).
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class RealLvmConformanceTests(RealLvmConformanceFixture fixture, ITestOutputHelper output)
    : CsiConformanceTests(fixture, output), IClassFixture<RealLvmConformanceFixture>;

/// <summary>A fresh VG of four 1.5 GiB PVs for the suite, removed with everything on it afterwards.</summary>
public sealed class RealLvmConformanceFixture : ConformanceFixture
{
    protected override async Task<ConformanceBackend> CreateBackendAsync()
    {
        var vg = new ConformanceVolumeGroup();
        await vg.InitializeAsync();
        var work = Path.Combine("/run", "stc-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        var runner = new CommandRunner(new CommandRunnerOptions { DefaultTimeout = TimeSpan.FromMinutes(5) }, NullLogger<CommandRunner>.Instance);
        var lvm = new LvmCli(runner, new LvmOptions(), NullLogger<LvmCli>.Instance);
        return new ConformanceBackend(lvm, vg.VgName, vg.PvCount, work, async () => await vg.DisposeAsync());
    }

    private sealed class ConformanceVolumeGroup() : VolumeGroupFixture(pvCount: 4, pvSizeMiB: 1536);
}
