using Stratum.Testing.Lvm;

namespace Stratum.Testing.Tests.Lvm;

/// <summary>The ILvm contract against the in-memory simulator (no device backing).</summary>
public sealed class LvmSimulatorContractTests : LvmContractTests
{
    protected override async Task<LvmTestBed> CreateTestBedAsync(LvmTestBedSpec spec, CancellationToken cancellationToken)
    {
        var sim = new LvmSimulator();
        return await SimulatorTestBed.CreateAsync(sim, spec, sim.DisposeAsync, cancellationToken);
    }
}

/// <summary>
/// The ILvm contract against the simulator backed by sparse files on real loop devices, so the
/// backing never changes what the contract sees.
/// </summary>
public sealed class LvmSimulatorBackedContractTests : LvmContractTests
{
    protected override async Task<LvmTestBed> CreateTestBedAsync(LvmTestBedSpec spec, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("stratum-sim-contract-").FullName;
        var sim = new LvmSimulator(new LvmSimulatorOptions { BackingDirectory = directory });
        return await SimulatorTestBed.CreateAsync(sim, spec, async () =>
        {
            await sim.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }, cancellationToken);
    }
}

internal static class SimulatorTestBed
{
    public static async Task<LvmTestBed> CreateAsync(LvmSimulator sim, LvmTestBedSpec spec, Func<ValueTask> cleanup, CancellationToken cancellationToken)
    {
        await sim.AddVolumeGroupAsync("contract", spec.PhysicalVolumeSizes, cancellationToken: cancellationToken);
        string? second = null;
        if (spec.SecondVolumeGroupSizes.Count > 0)
        {
            second = "contract2";
            await sim.AddVolumeGroupAsync(second, spec.SecondVolumeGroupSizes, cancellationToken: cancellationToken);
        }

        var spares = spec.SpareDeviceSizes.Select(size => sim.AddDevice(size)).ToList();
        return new LvmTestBed(sim, "contract", second, spares, cleanup);
    }
}
