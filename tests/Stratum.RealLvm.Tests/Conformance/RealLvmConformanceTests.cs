using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Lvm;
using Stratum.Platform.Exec;
using Stratum.RealLvm.Tests.Harness;
using Stratum.Testing.Conformance;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Conformance;

/// <summary>
/// The CSI conformance suite on real LVM: the published native <c>stratum</c> binary (path in
/// <c>STRATUM_BINARY</c>, set by tests/real-lvm) run as <c>stratum node</c> with a configuration
/// file, a VG on four PVs (testbed disk slices, spread over the disks), real mkfs/mount/grow, and
/// a work directory on /run (sockets and mount points cannot live on the VM's 9p root). The
/// tests' own LVM calls go through <see cref="LvmCli"/>.
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class RealLvmConformanceTests(RealLvmConformanceFixture fixture, ITestOutputHelper output)
    : CsiConformanceTests(fixture, output), IClassFixture<RealLvmConformanceFixture>;

/// <summary>A fresh VG of four 1.5 GiB PVs for the suite, removed with everything on it afterwards.</summary>
public sealed class RealLvmConformanceFixture : ConformanceFixture
{
    /// <summary>The environment variable naming the published binary under test.</summary>
    public const string BinaryVariable = "STRATUM_BINARY";

    protected override string? PluginBinary { get; } =
        Environment.GetEnvironmentVariable(BinaryVariable) is { Length: > 0 } path && File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{BinaryVariable} must name the published stratum binary (tests/real-lvm sets it; scripts/publish builds it)");

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
