using System.Diagnostics;
using Stratum.Testing.Conformance;
using Stratum.Testing.Lvm;

namespace Stratum.Testing.Tests.Conformance;

/// <summary>The recording lvm wrapper the real-LVM conformance suite puts between the published binary and lvm.</summary>
public sealed class LvmCommandRecorderTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine("/tmp", "lcr-" + Guid.NewGuid().ToString("N")[..8]);
    private LvmCommandRecorder _recorder = null!;

    public Task InitializeAsync()
    {
        _recorder = new LvmCommandRecorder(_directory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _recorder.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    public static TheoryData<string, LvmOperation, string> Commands => new()
    {
        { "lvcreate --yes --wipesignatures y --zero y --name pvc-1 --size 8388608b --addtag stratum/owner vg1", LvmOperation.CreateVolumeWithoutReadBack, "vg1/pvc-1" },
        { "lvcreate --yes --name r --size 8388608b --type raid1 --mirrors 1 vg1 /dev/vda /dev/vdb", LvmOperation.CreateVolumeWithoutReadBack, "vg1/r" },
        { "lvcreate --yes --snapshot --name pit --size 8388608b vg1/pvc-1", LvmOperation.CreateSnapshot, "vg1/pit" },
        { "lvcreate --yes --type thin-pool --zero y --name pool --size 8388608b vg1", LvmOperation.CreateThinPool, "vg1/pool" },
        { "lvremove --yes vg1/pvc-1", LvmOperation.RemoveVolume, "vg1/pvc-1" },
        { "lvremove --yes --select lv_uuid=AAAAAA vg1/pvc-1", LvmOperation.RemoveVolumeIf, "vg1/pvc-1" },
        { "lvextend --yes --size 16777216b vg1/pvc-1", LvmOperation.ExtendVolume, "vg1/pvc-1" },
        { "lvchange --addtag a --deltag b vg1/pvc-1", LvmOperation.ChangeTags, "vg1/pvc-1" },
        { "lvchange --addtag a --deltag b --select lv_uuid=AAAAAA vg1/pvc-1", LvmOperation.ChangeTagsIf, "vg1/pvc-1" },
        { "lvchange --yes --refresh vg1/pvc-1", LvmOperation.RefreshVolume, "vg1/pvc-1" },
        { "lvchange --yes --activate y --ignoreactivationskip vg1/pvc-1", LvmOperation.ActivateVolume, "vg1/pvc-1" },
        { "lvchange --yes --activate n vg1/pvc-1", LvmOperation.DeactivateVolume, "vg1/pvc-1" },
        { "vgchange --activate y vg1", LvmOperation.ActivateVolumeGroup, "vg1" },
        { "lvs --reportformat json --units b --nosuffix -o lv_name,lv_tags @stratum/name=pvc-1", LvmOperation.FindLogicalVolumesByTag, "stratum/name=pvc-1" },
        { "lvs --reportformat json --units b --nosuffix -o lv_name vg1/pvc-1", LvmOperation.GetLogicalVolume, "vg1/pvc-1" },
        { "lvs --reportformat json --units b --nosuffix -o lv_name vg1", LvmOperation.ListLogicalVolumes, "vg1" },
        { "vgs --reportformat json --units b --nosuffix -o vg_name", LvmOperation.ListVolumeGroups, "" },
        { "vgs --reportformat json --units b --nosuffix -o vg_name vg1", LvmOperation.GetVolumeGroup, "vg1" },
        { "pvs --reportformat json --units b --nosuffix -o pv_name", LvmOperation.ListPhysicalVolumes, "" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void ToCall_LvmCliCommand_OperationAndTargetAsRecordingLvm(string command, LvmOperation operation, string target) =>
        Assert.Equal(new LvmCall(operation, target), LvmCommandRecorder.ToCall(command.Split(' ')));

    [Fact]
    public void ToCall_UnknownCommand_Throws() =>
        Assert.Throws<InvalidOperationException>(() => LvmCommandRecorder.ToCall(["lvrename", "vg1/a", "vg1/b"]));

    [Fact]
    public async Task Wrapper_RunsTheRealLvmAndRecordsIt()
    {
        var (code, _) = await RunWrapperAsync("vgs", "--reportformat", "json", "-o", "vg_name");

        Assert.Equal(0, code);
        Assert.Equal([new LvmCall(LvmOperation.ListVolumeGroups, string.Empty)], _recorder.Calls);
        Assert.Equal(0, _recorder.MutatingCallCount);
    }

    [Fact]
    public async Task Hold_MatchingCommand_ParkedUntilReleasedOthersPass()
    {
        var gate = _recorder.Hold(LvmOperation.GetVolumeGroup, "no-such-vg");
        var held = RunWrapperAsync("vgs", "--reportformat", "json", "-o", "vg_name", "no-such-vg");
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(30));

        var other = await RunWrapperAsync("vgs", "--reportformat", "json", "-o", "vg_name");
        await Task.Delay(300);

        Assert.Equal(0, other.Code);
        Assert.False(held.IsCompleted);
        gate.Release();
        Assert.NotEqual(0, (await held.WaitAsync(TimeSpan.FromSeconds(30))).Code); // the real lvm ran: no such VG
        Assert.Equal(2, _recorder.CallCount);
    }

    [Fact]
    public async Task Calls_LinesAppendedBetweenReads_EachReadOnceAndAHalfWrittenLineWaitsForItsEnd()
    {
        var calls = Path.Combine(_directory, "calls");
        await File.AppendAllTextAsync(calls, "vgs\u001f--reportformat\u001fjson\u001f-o\u001fvg_name\u001f\n");
        Assert.Equal(1, _recorder.CallCount);

        await File.AppendAllTextAsync(calls, "lvremove\u001f--yes\u001fvg1/pvc-");
        Assert.Equal(1, _recorder.CallCount); // the wrapper is still writing its line
        await File.AppendAllTextAsync(calls, "1\u001f\nlvs\u001f--reportformat\u001fjson\u001f-o\u001flv_name\u001fvg1/pvc-1\u001f\n");

        Assert.Equal(
            [new LvmCall(LvmOperation.ListVolumeGroups, string.Empty), new LvmCall(LvmOperation.RemoveVolume, "vg1/pvc-1"), new LvmCall(LvmOperation.GetLogicalVolume, "vg1/pvc-1")],
            _recorder.Calls);
        Assert.Equal(1, _recorder.MutatingCallCount);
        Assert.Equal([new LvmCall(LvmOperation.GetLogicalVolume, "vg1/pvc-1")], _recorder.CallsSince(2));
        Assert.Equal(["lvs", "--reportformat", "json", "-o", "lv_name", "vg1/pvc-1"], _recorder.Commands[2]);
    }

    [Fact]
    public async Task Calls_UnknownCommandRecorded_CountedButCallsAndMutationsThrow()
    {
        await File.AppendAllTextAsync(Path.Combine(_directory, "calls"), "lvrename\u001fvg1/a\u001fvg1/b\u001f\nvgs\u001f\n");

        Assert.Equal(2, _recorder.CallCount);
        Assert.Contains("lvrename", Assert.Throws<InvalidOperationException>(() => _recorder.Calls).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => _recorder.MutatingCallCount);
    }

    [Fact]
    public async Task Hold_ReleasedGate_LaterCommandsRunWithoutParking()
    {
        var gate = _recorder.Hold(LvmOperation.GetVolumeGroup, "no-such-vg");
        gate.Release();

        var (code, _) = await RunWrapperAsync("vgs", "--reportformat", "json", "-o", "vg_name", "no-such-vg").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, code);
        Assert.Equal([new LvmCall(LvmOperation.GetVolumeGroup, "no-such-vg")], _recorder.Calls);
    }

    private async Task<(int Code, string Output)> RunWrapperAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(_recorder.BinDirectory, "lvm")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output);
    }
}
