using System.Diagnostics;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;
using Stratum.Csi.StatusApi;
using Stratum.Csi.Tests.TestSupport;
using Stratum.Csi.V1;
using Stratum.Testing.Lvm;

namespace Stratum.Csi.Tests.Hosting;

/// <summary>
/// The configuration as the running plugin sees it: hot reload through the socket, a rejected
/// change, a node that provisions nothing, node labels, and the status service.
/// </summary>
public sealed class LiveConfigTests : IAsyncLifetime
{
    private const string Default = "capacityRefreshSeconds: 1\ndeviceClasses:\n  - name: default\n    volumeGroup: stratum\n";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(15);

    private readonly TempDirectory _directory = new();
    private readonly LvmSimulator _lvm = new();
    private readonly CapturingLoggerProvider _logs = new();
    private ServerEndpoint _endpoint = null!;
    private NodePlugin? _plugin;
    private CsiClient _client = null!;

    private string ConfigPath => _directory.File("config.yaml");

    public async Task InitializeAsync()
    {
        await _lvm.AddVolumeGroupAsync("stratum", [4L << 30]);
        await _lvm.AddVolumeGroupAsync("nvme", [2L << 30]);
        _endpoint = ServerEndpoint.Parse("unix://" + _directory.File("csi.sock"));
        _client = new CsiClient(_endpoint);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        if (_plugin is not null)
        {
            await _plugin.DisposeAsync();
        }

        await _lvm.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Reload_ClassAdded_ServedWithoutRestart()
    {
        await StartAsync(Default);
        var before = await Assert.ThrowsAsync<RpcException>(() => CapacityAsync("fast"));
        Assert.Equal(StatusCode.InvalidArgument, before.StatusCode);

        Write(Default + "    default: true\n  - name: fast\n    volumeGroup: nvme\n");
        await WaitUntilAsync(async () => (await StatusAsync()).Config.Generation == 2);

        Assert.True((await CapacityAsync("fast")).AvailableCapacity > 0);
        var created = await _client.Controller.CreateVolumeAsync(Requests.Create("pvc-fast", "fast")).ResponseAsync;
        Assert.StartsWith("nvme:", created.Volume.VolumeId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_BrokenFile_OldClassesServeAndStatusSaysWhy()
    {
        await StartAsync(Default);

        Write(Default + "    fsType: ntfs\n");
        await WaitUntilAsync(async () => (await StatusAsync()).Config.LastError.Length > 0);

        var status = await StatusAsync();
        Assert.Equal(1, status.Config.Generation);
        Assert.Equal(1, status.Config.RejectedReloads);
        Assert.Equal($"{ConfigPath}:5:13: device class 'default': fsType must be one of ext4, xfs, btrfs, not 'ntfs'", status.Config.LastError);
        Assert.NotEmpty(status.Config.LastErrorAt);
        Assert.True((await CapacityAsync(null)).AvailableCapacity > 0);
        await _client.Controller.CreateVolumeAsync(Requests.Create("pvc-still", null)).ResponseAsync;
        Assert.Contains(_logs.Lines, l => l.EventId.Id == 5501);
    }

    [Fact]
    public async Task NodeListedWithoutClasses_CreateResourceExhaustedAndCapacityZero()
    {
        await StartAsync(Default + "nodes:\n  - name: node-a\n    deviceClasses: []\n");

        var create = await Assert.ThrowsAsync<RpcException>(() => _client.Controller.CreateVolumeAsync(Requests.Create("pvc-1", null)).ResponseAsync);
        var capacity = await CapacityAsync("default");

        Assert.Equal(StatusCode.ResourceExhausted, create.StatusCode);
        Assert.Equal($"node node-a has no device classes (the 'nodes' entry for node 'node-a' at {ConfigPath}:6), so it provisions no volumes", create.Status.Detail);
        Assert.Equal((0L, 0L), (capacity.AvailableCapacity, capacity.MaximumVolumeSize));
        Assert.Equal(create.Status.Detail, (await StatusAsync()).Config.Refusal);
    }

    [Fact]
    public async Task NodeLabels_SelectorMatches_ThatSectionsClasses()
    {
        var labels = _directory.File("labels");
        File.WriteAllText(labels, "stratum.dev/disks=nvme\n");
        await StartAsync(
            Default + "nodes:\n  - selector: {matchLabels: {stratum.dev/disks: nvme}}\n    deviceClasses: [{name: nvme, volumeGroup: nvme}]\n",
            new NodeOptions { Endpoints = [_endpoint], NodeId = "node-a", ConfigPath = ConfigPath, NodeLabelsFile = labels, NodeLabels = new Dictionary<string, string> { ["zone"] = "a" } });

        var status = await StatusAsync();

        Assert.Equal(["nvme"], status.DeviceClasses.Select(c => c.Name));
        Assert.Equal(new Dictionary<string, string> { ["stratum.dev/disks"] = "nvme", ["zone"] = "a" }, status.Config.NodeLabels);
        Assert.StartsWith("the 'nodes' entry for nodes with labels stratum.dev/disks=nvme", status.Config.Origin, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_RunningNode_ClassesGroupsVolumesFromMemory()
    {
        await _lvm.Admin.CreateVolumeAsync(new Stratum.Lvm.CreateVolumeRequest { VolumeGroup = "stratum", Name = "admins", SizeBytes = 64L << 20 }, default);
        await StartAsync(Default);
        var created = await _client.Controller.CreateVolumeAsync(Requests.Create("pvc-status", null)).ResponseAsync;
        await WaitUntilAsync(async () => (await StatusAsync()).Volumes.Count == 2);
        _lvm.ResetCalls();

        var status = await StatusAsync();

        Assert.Equal(0, _lvm.TotalCallCount);
        Assert.True(status.Ready);
        Assert.Equal(("lvm.stratum.dev", "node-a"), (status.Driver, status.NodeId));
        Assert.Equal((1L, ConfigPath, 12), (status.Config.Generation, status.Config.Source, status.Config.ContentHash.Length));
        var deviceClass = Assert.Single(status.DeviceClasses);
        Assert.Equal(("default", "stratum", true, "thick", "linear", "ext4"), (deviceClass.Name, deviceClass.VolumeGroup, deviceClass.Default, deviceClass.Kind, deviceClass.Layout, deviceClass.FsType));
        Assert.True(deviceClass.AvailableBytes > 0);
        var group = Assert.Single(status.VolumeGroups);
        Assert.Equal(("stratum", true, 1, false), (group.Name, group.Present, group.PhysicalVolumes, group.Managed));
        var ours = Assert.Single(status.Volumes, v => v.Ours);
        Assert.Equal((created.Volume.VolumeId, "pvc-status", "default", true), (ours.VolumeId, ours.Name, ours.DeviceClass, ours.Active));
        Assert.Equal("admins", Assert.Single(status.Volumes, v => !v.Ours).LogicalVolume);
        Assert.Empty(status.Disks);
        Assert.Empty(status.Recovery.MissingVolumeGroups);
        Assert.NotEmpty(status.CapacityRefreshedAt);
    }

    private async Task StartAsync(string yaml, NodeOptions? options = null)
    {
        Write(yaml);
        _plugin = new NodePlugin(
            options ?? new NodeOptions { Endpoints = [_endpoint], NodeId = "node-a", ConfigPath = ConfigPath },
            _logs.CreateFactory(),
            new NodeDependencies { Lvm = _lvm });
        await _plugin.StartAndWaitAsync();
    }

    /// <summary>Replaces the file in one rename, as an editor or kubelet does.</summary>
    private void Write(string yaml)
    {
        File.WriteAllText(ConfigPath + ".new", yaml);
        File.Move(ConfigPath + ".new", ConfigPath, overwrite: true);
    }

    private Task<GetCapacityResponse> CapacityAsync(string? deviceClass)
    {
        var request = new GetCapacityRequest();
        if (deviceClass is not null)
        {
            request.Parameters["deviceClass"] = deviceClass;
        }

        return _client.Controller.GetCapacityAsync(request).ResponseAsync;
    }

    private Task<GetStatusResponse> StatusAsync() => _client.Status.GetStatusAsync(new GetStatusRequest()).ResponseAsync;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < Within, $"the condition did not hold within {Within.TotalSeconds} s");
            await Task.Delay(50);
        }
    }

    private static class Requests
    {
        public static CreateVolumeRequest Create(string name, string? deviceClass)
        {
            var request = new CreateVolumeRequest
            {
                Name = name,
                CapacityRange = new CapacityRange { RequiredBytes = 64L << 20 },
                VolumeCapabilities =
                {
                    new VolumeCapability
                    {
                        Mount = new VolumeCapability.Types.MountVolume(),
                        AccessMode = new VolumeCapability.Types.AccessMode { Mode = VolumeCapability.Types.AccessMode.Types.Mode.SingleNodeWriter },
                    },
                },
            };
            if (deviceClass is not null)
            {
                request.Parameters["deviceClass"] = deviceClass;
            }

            return request;
        }
    }
}
