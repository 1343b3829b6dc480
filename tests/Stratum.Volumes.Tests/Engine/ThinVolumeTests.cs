using Stratum.Lvm;
using Stratum.Volumes.Disks;
using static Stratum.Volumes.Tests.Engine.EngineFixture;

namespace Stratum.Volumes.Tests.Engine;

/// <summary>
/// Thin device classes on the LVM simulator: the pool made by the plugin, capacity as the smaller of
/// the overprovision limit and the physical room, the thresholds, autogrow, thin expansion.
/// </summary>
public sealed class ThinVolumeTests : IAsyncLifetime
{
    /// <summary>pool0: 4 GiB, ratio 2, no autogrow; pool1: 2 GiB, autogrow by 50%.</summary>
    public const string ThinClasses = """
          - name: thin
            volumeGroup: stratum
            thin:
              pool: pool0
              size: 4Gi
              overprovisionRatio: 2
              autogrow: false
          - name: growing
            volumeGroup: stratum
            thin:
              pool: pool1
              size: 2Gi
              autogrowPercent: 50
          - name: thick-other
            volumeGroup: other
        """;

    private const long Extent = 4 * Mi;

    private EngineFixture _f = null!;

    public async Task InitializeAsync() => _f = await CreateAsync(extraClasses: ThinClasses);

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    private VolumeEngine Engine => _f.Engine;

    private Task<ManagedVolume> CreateThinAsync(string name, long bytes, string deviceClass = "thin") =>
        Engine.CreateAsync(new CreateVolumeSpec { Name = name, RequiredBytes = bytes, DeviceClass = deviceClass }, CancellationToken.None);

    private async Task<LogicalVolume> PoolAsync(string name = "pool0") =>
        (await _f.Lvm.Admin.GetLogicalVolumeAsync("stratum", name, default))!;

    [Fact]
    public async Task StartAsync_ThinClassWithoutDevices_PluginCreatesItsPool()
    {
        var pool = await PoolAsync();

        Assert.True(pool.IsThinPool);
        Assert.Equal(4 * Gi, pool.SizeBytes);
        Assert.Contains(DiskManager.ManagedTag, pool.Tags);
    }

    [Fact]
    public async Task CreateAsync_ThinClass_ThinVolumeInThePool()
    {
        var volume = await CreateThinAsync("pvc-t", 3 * Gi);

        Assert.True(volume.Lv.IsThinVolume);
        Assert.Equal(("pool0", 3 * Gi, "thin"), (volume.Lv.Pool, volume.CapacityBytes, volume.Metadata.DeviceClass));
        Assert.True(volume.IsReady);
        Assert.Equal(volume.Id, (await CreateThinAsync("pvc-t", 3 * Gi)).Id);
    }

    [Fact]
    public async Task CreateAsync_PoolMissing_CreatedOnDemand()
    {
        await _f.Lvm.Admin.RemoveVolumeAsync("stratum", "pool0", default);
        await _f.Composed.Capacity.RefreshAsync(default);

        var volume = await CreateThinAsync("pvc-t", Gi);

        Assert.Equal("pool0", volume.Lv.Pool);
        Assert.True((await PoolAsync()).IsThinPool);
    }

    [Fact]
    public async Task GetCapacity_ThinClass_SmallerOfOverprovisionLimitAndPhysicalRoom()
    {
        var physical = FloorToExtent(4 * Gi * 90 / 100); // data threshold 90%, no autogrow
        Assert.Equal(physical, Capacity("thin").AvailableBytes);

        await CreateThinAsync("a", 5 * Gi);
        Assert.Equal(3 * Gi, Capacity("thin").AvailableBytes); // the overprovision limit: 2 x 4 GiB - 5 GiB
        await CreateThinAsync("b", Gi);

        Assert.Equal(2 * Gi, Capacity("thin").AvailableBytes);
        Assert.Equal(2 * Gi, Capacity("thin").MaximumVolumeBytes);
    }

    [Fact]
    public async Task CreateAsync_PastOverprovisionLimit_NoSpaceNamingPoolAndLimit()
    {
        await CreateThinAsync("a", 7 * Gi);

        var ex = await Assert.ThrowsAsync<VolumeException>(() => CreateThinAsync("b", 2 * Gi));

        Assert.Equal(VolumeError.NoSpace, ex.Error);
        Assert.Contains("stratum/pool0", ex.Message);
        Assert.Contains("overprovision limit of 8589934592", ex.Message);
        Assert.Equal(Gi, Capacity("thin").AvailableBytes); // 1 GiB of virtual room is left
        await CreateThinAsync("c", Gi);
    }

    [Theory]
    [InlineData(95.0, 10.0, "full of data")]
    [InlineData(10.0, 85.0, "metadata")]
    public async Task CreateAsync_PoolPastThresholdWithoutAutogrow_NoSpaceSayingWhy(double data, double metadata, string reason)
    {
        _f.Lvm.SetDataPercent("stratum", "pool0", data);
        _f.Lvm.SetMetadataPercent("stratum", "pool0", metadata);
        await _f.Composed.Capacity.RefreshAsync(default);

        var ex = await Assert.ThrowsAsync<VolumeException>(() => CreateThinAsync("a", Gi));

        Assert.Equal(VolumeError.NoSpace, ex.Error);
        Assert.Contains("thin pool stratum/pool0", ex.Message);
        Assert.Contains(reason, ex.Message);
        Assert.Equal(0, Capacity("thin").AvailableBytes);
    }

    [Fact]
    public async Task CreateAsync_PoolPastDataThresholdWithAutogrow_PoolGrownThenCreated()
    {
        _f.Lvm.SetDataPercent("stratum", "pool1", 95);
        await _f.Composed.Capacity.RefreshAsync(default);

        var volume = await CreateThinAsync("a", Gi, "growing");

        var pool = await PoolAsync("pool1");
        Assert.Equal(3 * Gi, pool.SizeBytes); // grown by 50%
        Assert.True(pool.DataPercent < 90);
        Assert.Equal("pool1", volume.Lv.Pool);
    }

    [Fact]
    public async Task MaintainAsync_PoolPastThreshold_GrownInTheBackground()
    {
        _f.Lvm.SetDataPercent("stratum", "pool1", 92);
        await _f.Composed.Capacity.RefreshAsync(default);

        await Engine.Thin.MaintainAsync(Engine.Classes, default);

        Assert.Equal(3 * Gi, (await PoolAsync("pool1")).SizeBytes);
        Assert.Equal(4 * Gi, (await PoolAsync("pool0")).SizeBytes); // under its threshold: left alone
    }

    [Fact]
    public async Task DeleteAsync_ThinVolume_VirtualRoomComesBack()
    {
        var volume = await CreateThinAsync("a", 7 * Gi);
        Assert.Equal(Gi, Capacity("thin").AvailableBytes);

        await Engine.DeleteAsync(volume.Id.ToString(), default);

        Assert.Null(await _f.Lvm.Admin.GetLogicalVolumeAsync("stratum", volume.Lv.Name, default));
        Assert.Equal(FloorToExtent(4 * Gi * 90 / 100), Capacity("thin").AvailableBytes);
    }

    [Fact]
    public async Task ExpandAsync_ThinVolumePastOverprovisionLimit_NoSpace_WithinIt_Grown()
    {
        var volume = await CreateThinAsync("a", 6 * Gi);
        _f.AddDevice(volume.Lv);
        _f.Fs.CreateDirectory("/stage");
        await _f.Fs.MountAsync(volume.DevicePath, "/stage", Config.FileSystemType.Xfs, [], default);

        var ex = await Assert.ThrowsAsync<VolumeException>(() => _f.Node.ExpandAsync(new ExpandSpec(volume.Id.ToString(), "/stage", 9 * Gi, 0, false), default));
        var grown = await _f.Node.ExpandAsync(new ExpandSpec(volume.Id.ToString(), "/stage", 8 * Gi, 0, false), default);

        Assert.Equal(VolumeError.NoSpace, ex.Error);
        Assert.Contains("overprovision", ex.Message);
        Assert.Equal(8 * Gi, grown);
        Assert.Equal(0, Capacity("thin").AvailableBytes);
    }

    private Volumes.Capacity.ClassCapacity Capacity(string deviceClass) => Engine.GetCapacity(Engine.ResolveClass(deviceClass));

    private static long FloorToExtent(long bytes) => bytes / Extent * Extent;
}
