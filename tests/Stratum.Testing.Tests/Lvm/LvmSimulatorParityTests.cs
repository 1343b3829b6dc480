using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Lvm;
using Stratum.Testing.Lvm;
using Stratum.Testing.Tests.TestSupport;

namespace Stratum.Testing.Tests.Lvm;

/// <summary>
/// The simulator against the real <see cref="LvmCli"/> (no LVM needed): the same validation
/// failures word for word, and for every LVM failure the simulator reports, the stderr it carries
/// is classified by LvmCli into the same exception type.
/// </summary>
public sealed class LvmSimulatorParityTests
{
    private const long MiB = 1024 * 1024;
    private static CancellationToken Ct => CancellationToken.None;

    public static TheoryData<string> InvalidCalls => LvmContractTests.InvalidCalls;

    [Theory]
    [MemberData(nameof(InvalidCalls))]
    public async Task InvalidCall_BothImplementations_ThrowTheSameValidationError(string call)
    {
        var invoke = LvmContractTests.InvalidCallsByName[call];
        var runner = CannedRunner.NeverRuns();
        var cli = new LvmCli(runner, new LvmOptions(), NullLogger<LvmCli>.Instance);
        await using var sim = new LvmSimulator();
        await sim.AddVolumeGroupAsync("vg", [128 * MiB]);

        var expected = await Assert.ThrowsAsync<LvmValidationException>(() => invoke(cli, "vg", Ct));
        var actual = await Assert.ThrowsAsync<LvmValidationException>(() => invoke(sim, "vg", Ct));

        Assert.Equal(expected.ParamName, actual.ParamName);
        Assert.Equal(expected.Message, actual.Message);
        Assert.Equal(0, runner.Calls);
    }

    public static TheoryData<string> Failures => [.. FailureTable.Keys.Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task LvmFailure_ItsStderrThroughLvmCli_ClassifiesAsTheSameType(string failure)
    {
        await using var sim = await StandardSimulatorAsync();
        var (expectedType, act) = FailureTable[failure];

        var simulated = await Assert.ThrowsAnyAsync<LvmException>(() => act(sim));
        Assert.IsType(expectedType, simulated);
        Assert.NotNull(simulated.ExitCode);
        Assert.StartsWith("lvm ", simulated.Message, StringComparison.Ordinal);

        // Any LvmCli operation that runs a single command classifies its failure the same way.
        var cli = new LvmCli(CannedRunner.Fails(simulated.ExitCode!.Value, simulated.StandardError), new LvmOptions(), NullLogger<LvmCli>.Instance);
        var classified = await Assert.ThrowsAnyAsync<LvmException>(() => cli.ActivateVolumeAsync("vg", "x", Ct));
        Assert.IsType(expectedType, classified);
    }

    [Fact]
    public async Task RemoveVolume_Dependents_ThrowsLvmClisOwnRefusal()
    {
        await using var sim = await StandardSimulatorAsync();

        var ex = await Assert.ThrowsAsync<LvmInUseException>(() => sim.RemoveVolumeAsync("vg", "pool", Ct));

        Assert.Equal("vg/pool was not removed: it has dependent volume(s) thin that LVM would remove with it", ex.Message);
        Assert.Null(ex.ExitCode);
    }

    /// <summary>
    /// VG "vg" on two 128 MiB PVs with lin (1 extent), origin (2) + cow (1), pool (2) + thin; a
    /// device /dev/fs holding ext4 and a blank /dev/blank.
    /// </summary>
    private static async Task<LvmSimulator> StandardSimulatorAsync()
    {
        var sim = new LvmSimulator();
        await sim.AddVolumeGroupAsync("vg", [128 * MiB, 128 * MiB]);
        sim.AddDevice("/dev/fs", 128 * MiB, signature: "ext4");
        sim.AddDevice("/dev/blank", 128 * MiB);
        var admin = sim.Admin;
        await admin.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "lin", SizeBytes = 4 * MiB }, Ct);
        await admin.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "origin", SizeBytes = 8 * MiB }, Ct);
        await admin.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "vg", Origin = "origin", Name = "cow", SizeBytes = 4 * MiB }, Ct);
        await admin.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = "vg", Name = "pool", SizeBytes = 8 * MiB }, Ct);
        await admin.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "pool", Name = "thin", SizeBytes = 64 * MiB }, Ct);
        return sim;
    }

    private static CreateVolumeRequest Lv(string name, long size) => new() { VolumeGroup = "vg", Name = name, SizeBytes = size };

    private static readonly Dictionary<string, (Type Type, Func<LvmSimulator, Task> Act)> FailureTable = new(StringComparer.Ordinal)
    {
        ["lvcreate: name exists"] = (typeof(LvmAlreadyExistsException), s => s.CreateVolumeAsync(Lv("lin", MiB), Ct)),
        ["lvcreate: VG too small"] = (typeof(LvmInsufficientSpaceException), s => s.CreateVolumeAsync(Lv("big", 10L << 30), Ct)),
        ["lvcreate: missing VG"] = (typeof(LvmNotFoundException), s => s.CreateVolumeAsync(Lv("x", MiB) with { VolumeGroup = "nope" }, Ct)),
        ["lvcreate: more stripes than PVs"] = (typeof(LvmInsufficientSpaceException), s => s.CreateVolumeAsync(Lv("s", MiB) with { Stripes = 3 }, Ct)),
        ["lvcreate: stripes without room on each PV"] = (typeof(LvmInsufficientSpaceException), async s =>
        {
            await s.CreateVolumeAsync(Lv("fill", 100 * MiB), Ct);
            await s.CreateVolumeAsync(Lv("s", 80 * MiB) with { Stripes = 2 }, Ct);
        }),
        ["lvcreate: raid1 with more images than PVs"] = (typeof(LvmInsufficientSpaceException), s => s.CreateVolumeAsync(Lv("r", 8 * MiB) with { Mirrors = 2 }, Ct)),
        ["lvcreate thin: missing pool"] = (typeof(LvmNotFoundException), s => s.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "nopool", Name = "t", SizeBytes = MiB }, Ct)),
        ["lvcreate thin: not a pool"] = (typeof(LvmCommandFailedException), s => s.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "lin", Name = "t", SizeBytes = MiB }, Ct)),
        ["lvcreate thin: pool full"] = (typeof(LvmInsufficientSpaceException), s =>
        {
            s.SetDataPercent("vg", "pool", 100);
            return s.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "pool", Name = "t", SizeBytes = MiB }, Ct);
        }),
        ["lvcreate thin snapshot: missing origin"] = (typeof(LvmNotFoundException), s => s.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = "vg", Origin = "nope", Name = "s" }, Ct)),
        ["lvcreate thin snapshot: thick origin"] = (typeof(LvmInvalidArgumentException), s => s.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = "vg", Origin = "lin", Name = "s" }, Ct)),
        ["lvcreate snapshot: of a snapshot"] = (typeof(LvmCommandFailedException), s => s.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "vg", Origin = "cow", Name = "s", SizeBytes = MiB }, Ct)),
        ["lvcreate snapshot: missing origin"] = (typeof(LvmNotFoundException), s => s.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "vg", Origin = "nope", Name = "s", SizeBytes = MiB }, Ct)),
        ["lvextend: missing LV"] = (typeof(LvmNotFoundException), s => s.ExtendVolumeAsync("vg", "nope", MiB, Ct)),
        ["lvextend: VG too small"] = (typeof(LvmInsufficientSpaceException), s => s.ExtendVolumeAsync("vg", "lin", 10L << 30, Ct)),
        ["lvextend: active origin"] = (typeof(LvmInUseException), s => s.ExtendVolumeAsync("vg", "origin", 64 * MiB, Ct)),
        ["lvremove: missing LV"] = (typeof(LvmNotFoundException), s => s.RemoveVolumeAsync("vg", "nope", Ct)),
        ["lvremove: open LV"] = (typeof(LvmInUseException), s =>
        {
            s.SetOpen("vg", "lin", true);
            return s.RemoveVolumeAsync("vg", "lin", Ct);
        }),
        ["lvchange -an: open LV"] = (typeof(LvmInUseException), s =>
        {
            s.SetOpen("vg", "lin", true);
            return s.DeactivateVolumeAsync("vg", "lin", Ct);
        }),
        ["lvchange -an: origin with an open snapshot"] = (typeof(LvmInUseException), s =>
        {
            s.SetOpen("vg", "cow", true);
            return s.DeactivateVolumeAsync("vg", "origin", Ct);
        }),
        ["lvchange -ay: missing VG"] = (typeof(LvmNotFoundException), s => s.ActivateVolumeAsync("nope", "x", Ct)),
        ["lvchange --addtag: missing LV"] = (typeof(LvmNotFoundException), s => s.ChangeTagsAsync("vg", "nope", ["a"], [], Ct)),
        ["lvs: missing VG"] = (typeof(LvmNotFoundException), s => s.ListLogicalVolumesAsync("nope", Ct)),
        ["pvcreate: missing device"] = (typeof(LvmNotFoundException), s => s.CreatePhysicalVolumeAsync("/dev/nope", Ct)),
        ["pvcreate: device in a VG"] = (typeof(LvmAlreadyExistsException), async s =>
            await s.CreatePhysicalVolumeAsync((await s.ListPhysicalVolumesAsync("vg", Ct))[0].Name, Ct)),
        ["pvcreate: device with a filesystem"] = (typeof(LvmCommandFailedException), s => s.CreatePhysicalVolumeAsync("/dev/fs", Ct)),
        ["vgcreate: name exists"] = (typeof(LvmAlreadyExistsException), s => s.CreateVolumeGroupAsync("vg", ["/dev/blank"], [], Ct)),
        ["vgcreate: device with a filesystem"] = (typeof(LvmCommandFailedException), s => s.CreateVolumeGroupAsync("vg2", ["/dev/fs"], [], Ct)),
        ["vgextend: device already in the VG"] = (typeof(LvmAlreadyExistsException), async s =>
            await s.ExtendVolumeGroupAsync("vg", [(await s.ListPhysicalVolumesAsync("vg", Ct))[0].Name], Ct)),
        ["vgextend: missing VG"] = (typeof(LvmNotFoundException), s => s.ExtendVolumeGroupAsync("nope", ["/dev/blank"], Ct)),
        ["vgchange: missing VG"] = (typeof(LvmNotFoundException), s => s.ActivateVolumeGroupAsync("nope", Ct)),
    };
}
