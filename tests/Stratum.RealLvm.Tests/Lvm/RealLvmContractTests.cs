using Stratum.RealLvm.Tests.Harness;
using Stratum.Testing.Lvm;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Lvm;

/// <summary>VGs for the contract suite, kept for the whole class (see <see cref="VolumeGroupPool"/>).</summary>
public sealed class ContractVolumeGroups() : IAsyncLifetime
{
    public VolumeGroupPool Pool { get; } = new("ctvg");

    public Task InitializeAsync() => Pool.InitializeAsync();

    public Task DisposeAsync() => Pool.DisposeAsync();
}

/// <summary>
/// The ILvm contract (the same cases the simulator passes natively) against <c>LvmCli</c> and the
/// real <c>CommandRunner</c> on real disks: LVM is the reference the simulator imitates.
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class RealLvmContractTests(ContractVolumeGroups vgs, ITestOutputHelper output)
    : LvmContractTests, IClassFixture<ContractVolumeGroups>, IDisposable
{
    // Bounds a test that hangs on LVM; each command also has LvmUnderTest.CommandTimeout.
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromMinutes(3));

    protected override CancellationToken Ct => _deadline.Token;

    protected override async Task<LvmTestBed> CreateTestBedAsync(LvmTestBedSpec spec, CancellationToken cancellationToken)
    {
        var pool = vgs.Pool;
        var taken = new List<PooledVolumeGroup>();
        IReadOnlyList<DiskSlice> spares = [];
        try
        {
            taken.Add(await pool.AcquireAsync(spec.PhysicalVolumeSizes));
            if (spec.SecondVolumeGroupSizes.Count > 0)
            {
                taken.Add(await pool.AcquireAsync(spec.SecondVolumeGroupSizes));
            }

            spares = await pool.AllocateSparesAsync(spec.SpareDeviceSizes);
        }
        catch
        {
            await pool.ReturnAsync(taken, spares);
            throw;
        }

        output.WriteLine($"bed: VG {string.Join(" + ", taken.Select(vg => $"{vg.Name} ({string.Join(' ', vg.PvPaths)})"))}"
            + (spares.Count > 0 ? $", spares {string.Join(' ', spares.Select(s => s.DevicePath))}" : "")
            + $"; pool so far {pool.Counts}");
        return new LvmTestBed(
            LvmUnderTest.Cli(output),
            taken[0].Name,
            taken.Count > 1 ? taken[1].Name : null,
            [.. spares.Select(s => s.DevicePath)],
            async () => await pool.ReturnAsync(taken, spares));
    }

    public void Dispose() => _deadline.Dispose();
}
