using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Testing.Lvm;
using Stratum.Volumes.Capacity;
using Stratum.Volumes.Locking;
using Stratum.Volumes.Metadata;

namespace Stratum.Volumes.Tests.Engine;

/// <summary>Engine behaviour below the CSI layer, on the LVM simulator (the CSI conformance suite covers the rest).</summary>
public sealed class VolumeEngineTests : IAsyncLifetime
{
    private const long Gi = 1L << 30;
    private readonly LvmSimulator _lvm = new();
    private VolumeEngine _engine = null!;
    private CapacityCache _capacity = null!;

    public async Task InitializeAsync()
    {
        await _lvm.AddVolumeGroupAsync("stratum", [10 * Gi, 10 * Gi]);
        var config = ConfigLoader.LoadFromText("""
            deviceClasses:
              - name: default
                volumeGroup: stratum
                default: true
                spare: 1Gi
              - name: elsewhere
                volumeGroup: absent
            """, "test");
        var classes = new DeviceClassManager(config);
        _capacity = new CapacityCache(_lvm, NullLogger<CapacityCache>.Instance);
        _engine = new VolumeEngine(_lvm, () => classes, _capacity, new VolumeLocks(), new VolumeEngineOptions { NodeId = "n1" }, NullLogger<VolumeEngine>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _capacity.DisposeAsync();
        await _lvm.DisposeAsync();
    }

    [Fact]
    public async Task StartAsync_OwnInactiveVolume_Activated()
    {
        var volume = await _engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-1", RequiredBytes = Gi }, default);
        await _lvm.Admin.DeactivateVolumeAsync("stratum", volume.Lv.Name, default);

        var found = await _engine.StartAsync(default);

        Assert.Equal("pvc-1", Assert.Single(found).Metadata.CsiName);
        Assert.True((await _lvm.Admin.GetLogicalVolumeAsync("stratum", volume.Lv.Name, default))!.IsActive);
    }

    [Fact]
    public async Task StartAsync_ForeignInactiveLv_LeftInactive()
    {
        await _lvm.Admin.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "stratum", Name = "admins", SizeBytes = Gi }, default);
        await _lvm.Admin.DeactivateVolumeAsync("stratum", "admins", default);
        _lvm.ResetCalls();

        var found = await _engine.StartAsync(default);

        Assert.Empty(found);
        Assert.False((await _lvm.Admin.GetLogicalVolumeAsync("stratum", "admins", default))!.IsActive);
        Assert.Equal(0, _lvm.GetCallCount(LvmOperation.ActivateVolume));
        Assert.Equal(0, _lvm.GetCallCount(LvmOperation.ActivateVolumeGroup));
    }

    [Fact]
    public async Task StartAsync_MissingVolumeGroup_StartsAndReportsNoCapacity()
    {
        await _engine.StartAsync(default);

        var capacity = _engine.GetCapacity(_engine.ResolveClass("elsewhere"));

        Assert.False(capacity.VolumeGroupPresent);
        Assert.Equal(0, capacity.AvailableBytes);
        Assert.True(_engine.GetCapacity(_engine.ResolveClass(null)).AvailableBytes > 0);
    }

    [Fact]
    public async Task StartAsync_OneVolumeCannotActivate_OthersStillServed()
    {
        var broken = await _engine.CreateAsync(new CreateVolumeSpec { Name = "broken", RequiredBytes = Gi }, default);
        var fine = await _engine.CreateAsync(new CreateVolumeSpec { Name = "fine", RequiredBytes = Gi }, default);
        await _lvm.Admin.DeactivateVolumeAsync("stratum", broken.Lv.Name, default);
        await _lvm.Admin.DeactivateVolumeAsync("stratum", fine.Lv.Name, default);
        _lvm.FailNext(LvmOperation.ActivateVolume, new LvmCommandFailedException("device missing", ["lvchange"], 5, "Refusing activation of partial LV"));

        var found = await _engine.StartAsync(default);

        Assert.Equal(2, found.Count);
        Assert.Single(await Task.WhenAll(found.Select(v => _lvm.Admin.GetLogicalVolumeAsync("stratum", v.Lv.Name, default))), lv => lv!.IsActive);
    }

    [Fact]
    public async Task CreateAsync_SameNameTwice_SecondFindsFirstWithoutLvcreate()
    {
        var first = await _engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-2", RequiredBytes = Gi }, default);
        _lvm.ResetCalls();

        var second = await _engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-2", RequiredBytes = Gi / 2 }, default);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(0, _lvm.GetCallCount(LvmOperation.CreateVolume));
    }

    [Fact]
    public async Task CreateAsync_SameCsiNameOnTwoLvs_InternalInsteadOfGuessing()
    {
        await _engine.CreateAsync(new CreateVolumeSpec { Name = "dup", RequiredBytes = Gi }, default);
        var tags = new VolumeMetadata { CsiName = "dup", DeviceClass = "default", RequestedBytes = Gi }.ToTags();
        await _lvm.Admin.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "stratum", Name = "copy", SizeBytes = Gi, Tags = tags }, default);

        var ex = await Assert.ThrowsAsync<VolumeException>(() => _engine.CreateAsync(new CreateVolumeSpec { Name = "dup", RequiredBytes = Gi }, default));

        Assert.Equal(VolumeError.Internal, ex.Error);
        Assert.Contains("stratum/copy", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("xfs", 0L, 300L << 20)]
    [InlineData("btrfs", 0L, 112L << 20)]
    [InlineData("ext4", 0L, 4L << 20)]
    [InlineData("", 0L, 4L << 20)]
    public async Task CreateAsync_TinyRequest_RaisedToFilesystemMinimum(string fs, long limit, long expected)
    {
        var volume = await _engine.CreateAsync(new CreateVolumeSpec { Name = "tiny-" + fs, RequiredBytes = 1, LimitBytes = limit, MountFilesystems = [fs] }, default);

        Assert.Equal(expected, volume.CapacityBytes);
    }

    [Fact]
    public async Task CreateAsync_FilesystemMinimumAboveLimit_OutOfRangeAndNothingCreated()
    {
        _lvm.ResetCalls();

        var ex = await Assert.ThrowsAsync<VolumeException>(() =>
            _engine.CreateAsync(new CreateVolumeSpec { Name = "small-xfs", RequiredBytes = 1, LimitBytes = 100L << 20, MountFilesystems = ["xfs"] }, default));

        Assert.Equal(VolumeError.OutOfRange, ex.Error);
        Assert.Contains("xfs needs at least", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, _lvm.GetCallCount(LvmOperation.CreateVolume));
    }

    [Fact]
    public async Task CreateAsync_WouldEatIntoSpare_NoSpaceAndNothingCreated()
    {
        // 20 GiB of PVs, 1 GiB spare: 19.5 GiB cannot be given.
        var ex = await Assert.ThrowsAsync<VolumeException>(() =>
            _engine.CreateAsync(new CreateVolumeSpec { Name = "greedy", RequiredBytes = 19 * Gi + Gi / 2 }, default));

        Assert.Equal(VolumeError.NoSpace, ex.Error);
        Assert.Empty(await _engine.ListAsync(default));
    }
}
