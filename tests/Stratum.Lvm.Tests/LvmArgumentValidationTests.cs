using Stratum.Lvm.Tests.TestSupport;
using Stratum.Testing.Logging;

namespace Stratum.Lvm.Tests;

/// <summary>Bad input never reaches a command line: every case throws before the runner is called.</summary>
public sealed class LvmArgumentValidationTests
{
    private readonly FakeCommandRunner _runner = new();

    private LvmCli CreateLvm() => new(_runner, new LvmOptions(), new RecordingLogger<LvmCli>());

    private static CancellationToken Ct => CancellationToken.None;

    public static TheoryData<string, Func<ILvm, Task>> Cases => new()
    {
        { "shell in LV name", l => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "a;rm -rf /", SizeBytes = 1 }, Ct) },
        { "path traversal LV", l => l.GetLogicalVolumeAsync("vg", "../x", Ct) },
        { "slash in VG", l => l.ListLogicalVolumesAsync("vg/../x", Ct) },
        { "option-like VG", l => l.GetVolumeGroupAsync("--yes", Ct) },
        { "option-like LV", l => l.RemoveVolumeAsync("vg", "-f", Ct) },
        { "reserved LV", l => l.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "pool", Name = "x_tmeta", SizeBytes = 1 }, Ct) },
        { "bad pool", l => l.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = "vg", Pool = "p ool", Name = "x", SizeBytes = 1 }, Ct) },
        { "bad origin", l => l.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = "vg", Origin = "$(id)", Name = "x" }, Ct) },
        { "bad cow origin", l => l.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "vg", Origin = "", Name = "x", SizeBytes = 1 }, Ct) },
        { "zero size", l => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "x", SizeBytes = 0 }, Ct) },
        { "negative size", l => l.ExtendVolumeAsync("vg", "x", -1, Ct) },
        { "zero cow size", l => l.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = "vg", Origin = "o", Name = "x", SizeBytes = 0 }, Ct) },
        { "zero pool size", l => l.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = "vg", Name = "p", SizeBytes = 0 }, Ct) },
        { "bad tag on create", l => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "x", SizeBytes = 1, Tags = ["bad tag"] }, Ct) },
        { "dash tag", l => l.ChangeTagsAsync("vg", "x", ["--yes"], [], Ct) },
        { "bad tag removal", l => l.ChangeTagsAsync("vg", "x", [], ["a,b"], Ct) },
        { "bad tag query", l => l.FindLogicalVolumesByTagAsync("x@y", Ct) },
        { "empty tag query", l => l.FindLogicalVolumesByTagAsync("", Ct) },
        { "forbidden extra option", l => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "x", SizeBytes = 1, ExtraOptions = ["--config", "devices/filter=[]"] }, Ct) },
        { "positional extra option", l => l.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = "vg", Name = "p", SizeBytes = 1, ExtraOptions = ["/dev/sdz"] }, Ct) },
        { "stripes and mirrors", l => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "x", SizeBytes = 1, Stripes = 2, Mirrors = 1 }, Ct) },
        { "zero stripes", l => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "x", SizeBytes = 1, Stripes = 0 }, Ct) },
        { "stripe size without stripes", l => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "x", SizeBytes = 1, StripeSizeBytes = 65536 }, Ct) },
        { "stripe size not power of two", l => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "x", SizeBytes = 1, Stripes = 2, StripeSizeBytes = 65535 }, Ct) },
        { "stripe size too small", l => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "x", SizeBytes = 1, Stripes = 2, StripeSizeBytes = 2048 }, Ct) },
        { "zero mirrors", l => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "vg", Name = "x", SizeBytes = 1, Mirrors = 0 }, Ct) },
        { "vg/lv too long", l => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "stratum", Name = new string('n', 127), SizeBytes = 1 }, Ct) },
        { "relative device", l => l.CreatePhysicalVolumeAsync("sdb", Ct) },
        { "traversal device", l => l.ExtendVolumeGroupAsync("vg", ["/dev/../etc/shadow"], Ct) },
        { "no devices", l => l.CreateVolumeGroupAsync("vg", [], [], Ct) },
        { "duplicate devices", l => l.CreateVolumeGroupAsync("vg", ["/dev/sdb", "/dev/sdb"], [], Ct) },
        { "bad vg tag", l => l.CreateVolumeGroupAsync("vg", ["/dev/sdb"], ["-x"], Ct) },
        { "bad new vg", l => l.CreateVolumeGroupAsync("..", ["/dev/sdb"], [], Ct) },
        { "bad pv filter", l => l.ListPhysicalVolumesAsync("a b", Ct) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Operation_InvalidArgument_ThrowsValidationBeforeRunningAnything(string because, Func<ILvm, Task> call)
    {
        var ex = await Assert.ThrowsAsync<LvmValidationException>(() => call(CreateLvm()));

        Assert.False(string.IsNullOrEmpty(ex.Message), because);
        Assert.Empty(_runner.Calls);
    }
}
