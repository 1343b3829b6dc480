using Stratum.Testing.Conformance;
using Stratum.Testing.Lvm;
using Xunit.Abstractions;

namespace Stratum.Csi.Tests.Conformance;

/// <summary>
/// The CSI conformance suite natively: the real plugin over the LVM simulator whose LVs are sparse
/// files on real loop devices, with the real filesystem tools (mkfs, mount, grow) and a work
/// directory under /tmp. Needs root and loop devices, like the real filesystem tests; it fails
/// loudly rather than skipping without them.
/// </summary>
public sealed class SimulatorConformanceTests(SimulatorConformanceFixture fixture, ITestOutputHelper output)
    : CsiConformanceTests(fixture, output), IClassFixture<SimulatorConformanceFixture>;

/// <summary>A loop-backed simulator with a fresh four-PV VG, and a short work directory under /tmp.</summary>
public sealed class SimulatorConformanceFixture : ConformanceFixture
{
    private const string VolumeGroupName = "conformance";

    protected override async Task<ConformanceBackend> CreateBackendAsync()
    {
        if (!Environment.IsPrivilegedProcess || !File.Exists("/dev/loop-control"))
        {
            throw new InvalidOperationException(
                "the native CSI conformance suite runs the real plugin on loop devices with real mkfs and mount: it needs root and /dev/loop-control");
        }

        var work = Path.Combine("/tmp", "stc-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        var simulator = new LvmSimulator(new LvmSimulatorOptions { BackingDirectory = Path.Combine(work, "lvm") });
        await simulator.AddVolumeGroupAsync(VolumeGroupName, [1536 * MiB, 1536 * MiB, 1536 * MiB, 1536 * MiB]);
        return new ConformanceBackend(simulator, VolumeGroupName, physicalVolumeCount: 4, work, simulator.DisposeAsync)
        {
            CanGrowExt4Online = HasCapSysResource(),
        };
    }

    /// <summary>Whether this process may resize a mounted ext4 (the kernel demands CAP_SYS_RESOURCE).</summary>
    private static bool HasCapSysResource()
    {
        const int CapSysResource = 24;
        var hex = File.ReadLines("/proc/self/status")
            .First(l => l.StartsWith("CapEff:", StringComparison.Ordinal))["CapEff:".Length..].Trim();
        return ((Convert.ToUInt64(hex, 16) >> CapSysResource) & 1) == 1;
    }
}
