using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Volumes.Filesystems;
using Stratum.Testing.Volumes;
using Stratum.Volumes.Tests.TestSupport;

namespace Stratum.Volumes.Tests.Engine;

/// <summary>
/// How many LVM processes each engine call starts: the real LvmCli under the engine, over a runner
/// that plays the lvm binary and counts every process (issue #8's goals: at most 3 per
/// CreateVolume, 2 per DeleteVolume, one report per refresh period on an idle node). The same is
/// measured on real LVM in the VM (Stratum.RealLvm.Tests, Engine/LvmProcessCountRealTests).
/// </summary>
public sealed class LvmProcessCountTests : IAsyncLifetime
{
    private const long Gi = 1L << 30;

    private readonly ScriptedLvm _lvm = new();
    private readonly FakeFilesystem _fs = new();
    private NodeEngine _engine = null!;

    public async Task InitializeAsync()
    {
        var classes = new DeviceClassManager(new StratumConfig { DeviceClasses = [new DeviceClass { Name = "default", VolumeGroup = "vg0", IsDefault = true }] });
        var cli = new LvmCli(_lvm, new LvmOptions(), NullLogger<LvmCli>.Instance);
        _engine = NodeEngine.Create(cli, _fs, () => classes, new VolumeEngineOptions { NodeId = "n1" }, NullLoggerFactory.Instance);
        await _engine.StartAsync(default);
    }

    public Task DisposeAsync() => _engine.DisposeAsync().AsTask();

    private async Task<ManagedVolume> CreateAsync(string name)
    {
        var volume = await _engine.Volumes.CreateAsync(new CreateVolumeSpec { Name = name, RequiredBytes = Gi }, default);
        _fs.AddDevice(volume.DevicePath, new DeviceNumber(253, (uint)volume.Lv.KernelMinor!.Value));
        return volume;
    }

    [Fact]
    public async Task Start_UsualNode_OneReport()
    {
        var classes = _engine.Volumes.Classes;
        await using var restarted = NodeEngine.Create(new LvmCli(_lvm, new LvmOptions(), NullLogger<LvmCli>.Instance), _fs, () => classes, new VolumeEngineOptions { NodeId = "n1" }, NullLoggerFactory.Instance);
        _lvm.Reset();

        await restarted.StartAsync(default);

        Assert.Equal(["fullreport"], _lvm.Commands);
    }

    [Fact]
    public async Task CreateVolume_New_ThreeCommandsIncludingTheCompletionStepAndTheCapacityRefresh()
    {
        _lvm.Reset();

        await CreateAsync("pvc-a");

        Assert.Equal(["lvcreate", "lvchange", "fullreport"], _lvm.Commands);
    }

    [Fact]
    public async Task CreateVolume_Retry_OneCommand()
    {
        await CreateAsync("pvc-a");
        _lvm.Reset();

        await CreateAsync("pvc-a");

        Assert.Equal(["lvs"], _lvm.Commands);
    }

    [Fact]
    public async Task DeleteVolume_TwoCommands()
    {
        var volume = await CreateAsync("pvc-a");
        _lvm.Reset();

        await _engine.Volumes.DeleteAsync(volume.Id.ToString(), default);

        Assert.Equal(["lvchange", "lvremove"], _lvm.Commands);
        Assert.Contains($"discard {volume.DevicePath}", _fs.Changes);
    }

    [Fact]
    public async Task DeleteVolume_AlreadyGone_OneCommand()
    {
        var volume = await CreateAsync("pvc-a");
        await _engine.Volumes.DeleteAsync(volume.Id.ToString(), default);
        _lvm.Reset();

        await _engine.Volumes.DeleteAsync(volume.Id.ToString(), default);

        Assert.Equal(["lvs"], _lvm.Commands);
    }

    [Fact]
    public async Task GetCapacity_NoCommand()
    {
        await CreateAsync("pvc-a");
        _lvm.Reset();

        var capacity = _engine.Volumes.GetCapacity(_engine.Volumes.ResolveClass(null));

        Assert.True(capacity.AvailableBytes > 0);
        Assert.Empty(_lvm.Commands);
    }

    [Fact]
    public async Task PeriodicRefresh_IdleNode_OneReport()
    {
        _lvm.Reset();

        await _engine.Capacity.RefreshAsync(default);

        Assert.Equal(["fullreport"], _lvm.Commands);
    }

    [Fact]
    public async Task CreateThenDelete_CapacityExactWithoutFurtherReports()
    {
        var before = _engine.Volumes.GetCapacity(_engine.Volumes.ResolveClass(null));
        var volume = await CreateAsync("pvc-a");
        var during = _engine.Volumes.GetCapacity(_engine.Volumes.ResolveClass(null));
        await _engine.Volumes.DeleteAsync(volume.Id.ToString(), default);

        Assert.Equal(before.AvailableBytes - Gi, during.AvailableBytes);
        Assert.Equal(before, _engine.Volumes.GetCapacity(_engine.Volumes.ResolveClass(null)));
    }
}
