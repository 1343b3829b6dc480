using Stratum.Lvm;
using Stratum.Platform;
using Stratum.Testing.Volumes;
using Stratum.Volumes.Filesystems;
using Stratum.Volumes.Metadata;

namespace Stratum.Volumes.Tests.Engine;

public sealed class VolumeHealthTests
{
    private const string Device = "/dev/vg/pvc-a";
    private const string DmName = "vg-pvc--a";
    private static readonly DeviceNumber Number = new(253, 7);

    [Theory]
    [InlineData(new[] { "linear" }, null, false, "healthy")]
    [InlineData(new[] { "linear", "linear" }, null, false, "healthy")]
    [InlineData(new[] { "striped" }, null, false, "healthy")]
    [InlineData(new[] { "error" }, null, true, "the device-mapper table of vg/pvc-a has a 'error' target: every read and write fails")]
    [InlineData(new[] { "linear", "flakey" }, null, true, "has a 'flakey' target: I/O fails or is dropped part of the time")]
    [InlineData(new[] { "delay" }, null, true, "has a 'delay' target: every I/O is delayed")]
    [InlineData(new[] { "zero" }, null, true, "has a 'zero' target")]
    [InlineData(new[] { "linear" }, "partial", true, "LVM reports vg/pvc-a partial")]
    public async Task CheckAsync_TableAndLvmHealth_ReportsWhatIsWrong(string[] targets, string? lvmHealth, bool abnormal, string message)
    {
        var fs = Filesystem();
        fs.MappingTargets[DmName] = targets;

        var report = await VolumeHealth.CheckAsync(Volume(lvmHealth), fs, CancellationToken.None);

        Assert.Equal(abnormal, report.Abnormal);
        Assert.Contains(message, report.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(BlockReadOutcome.Failed, "Input/output error", "reading /dev/vg/pvc-a fails: Input/output error")]
    [InlineData(BlockReadOutcome.TimedOut, "a read of its first block has not come back after 2.0 s", "/dev/vg/pvc-a does not answer: a read of its first block has not come back after 2.0 s")]
    public async Task CheckAsync_DeviceReadFailsOrHangs_Abnormal(BlockReadOutcome outcome, string detail, string message)
    {
        var fs = Filesystem();
        fs.BlockReads[Device] = new BlockReadResult(outcome, detail);

        var report = await VolumeHealth.CheckAsync(Volume(null), fs, CancellationToken.None);

        Assert.True(report.Abnormal);
        Assert.Equal(message, report.Message);
    }

    [Fact]
    public async Task CheckAsync_InactiveVolume_OnlyLvmsView()
    {
        var fs = Filesystem();
        fs.MappingTargets[DmName] = ["error"];

        var report = await VolumeHealth.CheckAsync(Volume(null) with { Lv = Volume(null).Lv with { IsActive = false, KernelMajor = null, KernelMinor = null } }, fs, CancellationToken.None);

        Assert.Equal(VolumeHealthReport.Healthy, report);
    }

    [Fact]
    public void FromLvm_HealthStatus_Abnormal()
    {
        Assert.Equal(new VolumeHealthReport(true, "LVM reports vg/pvc-a refresh needed"), VolumeHealth.FromLvm(Volume("refresh needed")));
        Assert.Equal(VolumeHealthReport.Healthy, VolumeHealth.FromLvm(Volume(null)));
    }

    private static FakeFilesystem Filesystem()
    {
        var fs = new FakeFilesystem();
        fs.AddDevice(Device, Number, DmName);
        return fs;
    }

    private static ManagedVolume Volume(string? health) => new(
        new LogicalVolume
        {
            VolumeGroup = "vg",
            Name = "pvc-a",
            Uuid = "uuid-a",
            SizeBytes = 64L << 20,
            Attributes = "-wi-a-----",
            Tags = TagSet.Empty,
            Path = Device,
            DeviceMapperPath = "/dev/mapper/" + DmName,
            KernelMajor = (int)Number.Major,
            KernelMinor = (int)Number.Minor,
            Pool = null,
            Origin = null,
            DataPercent = null,
            MetadataPercent = null,
            SegmentType = "linear",
            IsActive = true,
            Stripes = 1,
            HealthStatus = health,
        },
        new VolumeMetadata { CsiName = "pvc-a", DeviceClass = "default", RequestedBytes = 64L << 20 });
}
