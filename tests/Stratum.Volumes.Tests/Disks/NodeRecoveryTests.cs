using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Testing.Lvm;
using Stratum.Volumes.Disks;
using Stratum.Volumes.Metadata;

namespace Stratum.Volumes.Tests.Disks;

public sealed class NodeRecoveryTests : IAsyncLifetime
{
    private const long Gi = 1L << 30;
    private readonly LvmSimulator _lvm = new();
    private readonly NodeRecovery _recovery;

    private readonly DeviceClassManager _classes = new(ConfigLoader.LoadFromText(
        """
        deviceClasses:
          - {name: default, volumeGroup: managed, default: true}
          - {name: byhand, volumeGroup: byhand}
          - {name: gone, volumeGroup: gone, devices: ["/dev/vd[x-z]"]}
        """,
        "config.yaml"));

    public NodeRecoveryTests() => _recovery = new NodeRecovery(_lvm, NullLogger<NodeRecovery>.Instance);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _lvm.DisposeAsync().AsTask();

    [Fact]
    public async Task RunAsync_ManagedAndHandMadeGroups_OnlyTheManagedOneActivatedWhole()
    {
        await _lvm.AddVolumeGroupAsync("managed", [4 * Gi], [DiskManager.ManagedTag]);
        await _lvm.AddVolumeGroupAsync("byhand", [4 * Gi]);
        await _lvm.Admin.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "managed", Name = "v", SizeBytes = Gi }, default);
        await _lvm.Admin.DeactivateVolumeAsync("managed", "v", default);
        await _lvm.Admin.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = "byhand", Name = "admins", SizeBytes = Gi }, default);
        await _lvm.Admin.DeactivateVolumeAsync("byhand", "admins", default);

        var report = await _recovery.RunAsync(_classes, default);

        Assert.Equal(["managed"], report.ActivatedVolumeGroups);
        Assert.True((await _lvm.Admin.GetLogicalVolumeAsync("managed", "v", default))!.IsActive);
        Assert.False((await _lvm.Admin.GetLogicalVolumeAsync("byhand", "admins", default))!.IsActive);
        Assert.Equal(["gone"], report.MissingVolumeGroups);
        Assert.Empty(report.Problems);
    }

    [Fact]
    public async Task RunAsync_OwnVolumesPartialOrUnconfigured_ReportedOthersNot()
    {
        await _lvm.AddVolumeGroupAsync("managed", [4 * Gi], [DiskManager.ManagedTag]);
        await _lvm.AddVolumeGroupAsync("elsewhere", [4 * Gi]);
        var healthy = await CreateOwnAsync("managed", "pvc-ok");
        var partial = await CreateOwnAsync("managed", "pvc-partial");
        var stray = await CreateOwnAsync("elsewhere", "pvc-stray");
        _lvm.SetHealthStatus("managed", partial.Name, "partial");

        var report = await _recovery.RunAsync(_classes, default);

        Assert.Equal(
            [("pvc-partial", "it needs a missing physical volume of volume group 'managed'"), ("pvc-stray", "no device class of this node uses volume group 'elsewhere'")],
            report.UnservableVolumes.Select(v => (v.CsiName, v.Reason)).Order());
        Assert.DoesNotContain(report.UnservableVolumes, v => v.VolumeId.Contains(healthy.Uuid, StringComparison.Ordinal));
        Assert.Contains(report.UnservableVolumes, v => v.VolumeId == $"elsewhere:{stray.Name}:{stray.Uuid}");
    }

    private Task<LogicalVolume> CreateOwnAsync(string group, string csiName) =>
        _lvm.Admin.CreateVolumeAsync(
            new CreateVolumeRequest
            {
                VolumeGroup = group,
                Name = csiName + "-0123abcd",
                SizeBytes = Gi,
                Tags = new VolumeMetadata { CsiName = csiName, DeviceClass = "default", RequestedBytes = Gi }.ToTags(),
            },
            default);
}
