using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Testing.Volumes;
using Stratum.Volumes.Tests.Disks;
using Stratum.Volumes.Tests.TestSupport;

namespace Stratum.Volumes.Tests;

/// <summary>
/// The node's storage as <c>stratum node</c> runs it, over the real LvmCli and a runner that plays
/// the lvm binary and counts its processes: what an idle node costs per refresh period, and where
/// the status inventory comes from.
/// </summary>
public sealed class NodeStorageTests : IAsyncLifetime
{
    private const long Gi = 1L << 30;

    private readonly ScriptedLvm _lvm = new();
    private NodeStorage _storage = null!;

    public async Task InitializeAsync()
    {
        var cli = new LvmCli(_lvm, new LvmOptions(), NullLogger<LvmCli>.Instance);
        await cli.CreateVolumeWithoutReadBackAsync(new CreateVolumeRequest { VolumeGroup = "vg0", Name = "someone-elses", SizeBytes = Gi }, default);
        var config = new StratumConfig
        {
            CapacityRefreshSeconds = StratumConfig.MinCapacityRefreshSeconds,
            DeviceClasses =
            [
                new DeviceClass { Name = "default", VolumeGroup = "vg0", IsDefault = true },
                new DeviceClass { Name = "absent", VolumeGroup = "vg-not-here" },
            ],
        };
        var monitor = await ConfigMonitor.CreateAsync(new ConfigMonitorOptions { NodeName = "n1", FixedConfig = config }, NullLogger<ConfigMonitor>.Instance, default);
        _storage = new NodeStorage(monitor, cli, new FakeFilesystem(), new FakeDiskHost(), "n1", NullLoggerFactory.Instance);
        await _storage.StartAsync(default);
        await _storage.Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-a", RequiredBytes = Gi }, default);
    }

    public Task DisposeAsync() => _storage.DisposeAsync().AsTask();

    [Fact]
    public async Task Background_IdleNode_OneReportPerRefreshPeriodAndNothingElse()
    {
        _lvm.Reset();

        // Three periods of 1 s: the capacity refresh, the inventory and thin upkeep all ride on one report each.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (_lvm.Commands.Count < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(["fullreport", "fullreport", "fullreport"], _lvm.Commands.Take(3));
    }

    [Fact]
    public void Inventory_AfterStart_TheConfiguredVgsThatExistWithOthersLvsTooWithoutACommandOfItsOwn()
    {
        var group = Assert.Single(_storage.Inventory.Current.ByVolumeGroup);

        Assert.Equal("vg0", group.Key);
        Assert.False(Assert.Single(group.Value, v => v.Name == "someone-elses").Owned);
        Assert.DoesNotContain("lvs", _lvm.Commands);
    }

    [Fact]
    public async Task Inventory_NextRefresh_SeesAVolumeCreatedMeanwhile()
    {
        var before = _storage.Inventory.Current.At;
        await _storage.Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-b", RequiredBytes = Gi }, default);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (_storage.Inventory.Current.At == before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var pvcB = Assert.Single(_storage.Inventory.Current.ByVolumeGroup["vg0"], v => v.Ours?.Metadata.CsiName == "pvc-b");
        Assert.True(pvcB.Owned);
    }
}
