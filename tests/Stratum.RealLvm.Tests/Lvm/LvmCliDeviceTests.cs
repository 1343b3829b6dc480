using Stratum.Lvm;
using Stratum.RealLvm.Tests.Harness;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Lvm;

/// <summary>
/// What the contract cannot see: LvmCli's LVs as kernel devices with data on them, thin pools
/// running full, and tags carrying arbitrary text through LVM and back.
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class LvmCliDeviceTests(VolumeGroupFixture vg, ITestOutputHelper output) : IClassFixture<VolumeGroupFixture>
{
    private const long MiB = 1024 * 1024;
    private readonly LvmCli _lvm = LvmUnderTest.Cli(output);

    [Fact]
    public async Task ThinSnapshot_OfAWrittenThinVolume_KeepsItsDataAndStaysOffThroughVgActivation()
    {
        await _lvm.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = vg.VgName, Name = "snappool", SizeBytes = 32 * MiB }, default);
        var origin = await _lvm.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = vg.VgName, Pool = "snappool", Name = "data", SizeBytes = 64 * MiB }, default);
        try
        {
            await WriteAsync(origin.Path!, 0xA5);
            var snap = await _lvm.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = vg.VgName, Origin = "data", Name = "data-snap" }, default);
            await WriteAsync(origin.Path!, 0x5A);
            await Sh.RunAsync("lvchange", "--activate", "n", $"{vg.VgName}/data");

            await _lvm.ActivateVolumeGroupAsync(vg.VgName, default);
            var afterVgActivation = await _lvm.GetLogicalVolumeAsync(vg.VgName, "data-snap", default);
            var nodeAfterVgActivation = File.Exists($"/dev/{vg.VgName}/data-snap");
            await _lvm.ActivateVolumeAsync(vg.VgName, "data-snap", default);

            Assert.False(snap.IsActive);
            Assert.True(snap.ActivationSkip);
            Assert.False(afterVgActivation!.IsActive);                 // skipped by vgchange -ay
            Assert.False(nodeAfterVgActivation);
            Assert.True((await _lvm.GetLogicalVolumeAsync(vg.VgName, "data", default))!.IsActive);
            Assert.Equal(0xA5, await ReadAsync($"/dev/{vg.VgName}/data-snap")); // the data of its moment
            Assert.Equal(0x5A, await ReadAsync(origin.Path!));
            var pool = await _lvm.GetLogicalVolumeAsync(vg.VgName, "snappool", default);
            Assert.True(pool!.DataPercent > 0, $"pool data {pool.DataPercent} %");
        }
        finally
        {
            await Sh.RunAsync("lvremove", "--force", "--force", "--yes", $"{vg.VgName}/snappool");
        }
    }

    [Fact]
    public async Task CreateThinVolumeAndSnapshot_PoolDataFull_ThrowInsufficientSpaceWithLvmsMessage()
    {
        await _lvm.CreateThinPoolAsync(new CreateThinPoolRequest { VolumeGroup = vg.VgName, Name = "fullpool", SizeBytes = 8 * MiB }, default);
        var thin = await _lvm.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = vg.VgName, Pool = "fullpool", Name = "filler", SizeBytes = 16 * MiB }, default);
        try
        {
            // Fail writes at once when the pool is full instead of queueing them for 60 s.
            await Sh.RunAsync("lvchange", "--errorwhenfull", "y", $"{vg.VgName}/fullpool");
            var dd = await Sh.TryRunAsync("dd", "if=/dev/zero", $"of={thin.Path}", "bs=1M", "count=12", "oflag=direct");
            Assert.False(dd.Succeeded, "12 MiB fitted into an 8 MiB pool");

            var pool = await _lvm.GetLogicalVolumeAsync(vg.VgName, "fullpool", default);
            var volume = await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() =>
                _lvm.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = vg.VgName, Pool = "fullpool", Name = "more", SizeBytes = MiB }, default));
            var snapshot = await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() =>
                _lvm.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = vg.VgName, Origin = "filler", Name = "filler-snap" }, default));

            Assert.Equal(100, pool!.DataPercent);
            var message = $"Cannot create new thin volume, free space in thin pool {vg.VgName}/fullpool reached threshold.";
            Assert.Contains(message, volume.StandardError, StringComparison.Ordinal);
            Assert.Contains(message, snapshot.StandardError, StringComparison.Ordinal);
            Assert.Equal(5, volume.ExitCode);
        }
        finally
        {
            await Sh.RunAsync("lvremove", "--force", "--force", "--yes", $"{vg.VgName}/fullpool");
        }
    }

    [Fact]
    public async Task ExtendVolume_Linear_GrowsTheKernelDeviceAndNeverShrinksIt()
    {
        await _lvm.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg.VgName, Name = "grow", SizeBytes = 8 * MiB }, default);

        var grown = await _lvm.ExtendVolumeAsync(vg.VgName, "grow", (20 * MiB) + 1, default);
        var unchanged = await _lvm.ExtendVolumeAsync(vg.VgName, "grow", 12 * MiB, default);

        Assert.Equal(24 * MiB, grown.SizeBytes);
        Assert.Equal(grown, unchanged);
        Assert.Equal($"{24 * MiB}", (await Sh.RunAsync("blockdev", "--getsize64", grown.Path!)).Stdout.Trim());
        await _lvm.RemoveVolumeAsync(vg.VgName, "grow", default);
    }

    [Fact]
    public async Task ActivateVolumeGroup_AfterDeactivatingAnLv_BringsBackItsKernelDevice()
    {
        var created = await _lvm.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg.VgName, Name = "onoff", SizeBytes = 4 * MiB }, default);
        var dmName = $"{vg.VgName}-onoff";

        await _lvm.DeactivateVolumeAsync(vg.VgName, "onoff", default);
        var goneAfterDeactivation = !File.Exists($"/dev/mapper/{dmName}") && !File.Exists(created.Path);
        await _lvm.ActivateVolumeGroupAsync(vg.VgName, default);
        var lv = await _lvm.GetLogicalVolumeAsync(vg.VgName, "onoff", default);

        Assert.True(goneAfterDeactivation, "the device nodes outlived lvchange -an");
        Assert.True(lv!.IsActive);
        Assert.True(File.Exists(lv.Path), $"{lv.Path} is missing");
        Assert.Equal(dmName, File.ReadAllText($"/sys/dev/block/{lv.KernelMajor}:{lv.KernelMinor}/dm/name").Trim());
        await _lvm.RemoveVolumeAsync(vg.VgName, "onoff", default);
    }

    /// <summary>Values Stratum keeps in tags (CSI names, parameters) that LVM's tag alphabet cannot hold as they are.</summary>
    public static TheoryData<string> TagValues =>
    [
        "default/pvc-1 #2",
        "-starts-with-a-dash",
        "ünïcödé 日本語 🚀",
        "quotes \" ' and \\ backslash, @at, $dollar, %percent, ;semicolon",
        "tab\tnewline\nend",
        "csi-" + new string('x', 240),
    ];

    [Theory]
    [MemberData(nameof(TagValues))]
    public async Task ChangeTags_EncodedValue_RoundTripsThroughLvmAndFindsTheLv(string value)
    {
        if (await _lvm.GetLogicalVolumeAsync(vg.VgName, "tagged", default) is null)
        {
            await _lvm.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg.VgName, Name = "tagged", SizeBytes = 4 * MiB }, default);
        }

        var tag = "stratum.io/name=" + LvmTagCodec.Encode(value);
        await _lvm.ChangeTagsAsync(vg.VgName, "tagged", [tag], [], default);
        var found = await _lvm.FindLogicalVolumesByTagAsync(tag, default);
        await _lvm.ChangeTagsAsync(vg.VgName, "tagged", [], [tag], default);

        var lv = Assert.Single(found);
        Assert.Equal("tagged", lv.Name);
        var stored = Assert.Single(lv.Tags, t => t.StartsWith("stratum.io/name=", StringComparison.Ordinal));
        Assert.Equal(value, LvmTagCodec.Decode(stored["stratum.io/name=".Length..]));
    }

    private static async Task WriteAsync(string device, byte value)
    {
        await using var stream = new FileStream(device, FileMode.Open, FileAccess.Write);
        await stream.WriteAsync(Enumerable.Repeat(value, 64 * 1024).ToArray());
        await stream.FlushAsync();
        stream.Flush(flushToDisk: true);
    }

    /// <summary>The value of the device's first 64 KiB, which must all be the same.</summary>
    private static async Task<byte> ReadAsync(string device)
    {
        var buffer = new byte[64 * 1024];
        await using (var stream = new FileStream(device, FileMode.Open, FileAccess.Read))
        {
            await stream.ReadExactlyAsync(buffer);
        }

        Assert.All(buffer, b => Assert.Equal(buffer[0], b));
        return buffer[0];
    }
}
