using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;
using Stratum.Csi.Tests.TestSupport;
using Stratum.Csi.V1;
using Stratum.Testing.Lvm;

namespace Stratum.Csi.Tests.Services;

/// <summary>The Identity service as the plugin serves it, over a real socket.</summary>
public sealed class IdentityServiceTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private readonly LvmSimulator _lvm = new();
    private NodePlugin _plugin = null!;
    private CsiClient _client = null!;

    public async Task InitializeAsync()
    {
        var endpoint = ServerEndpoint.Parse("unix://" + _directory.File("csi.sock"));
        _plugin = new NodePlugin(new NodeOptions { Endpoints = [endpoint], NodeId = "node-a" }, new CapturingLoggerProvider().CreateFactory(), new NodeDependencies { Lvm = _lvm });
        await _plugin.StartAndWaitAsync();
        _client = new CsiClient(endpoint);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _plugin.DisposeAsync();
        await _lvm.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task GetPluginInfo_Always_ReturnsDriverNameAndVersion()
    {
        var info = await _client.Identity.GetPluginInfoAsync(new GetPluginInfoRequest()).ResponseAsync;

        Assert.Equal("lvm.stratum.dev", info.Name);
        Assert.Equal(PluginInfo.AssemblyVersion, info.VendorVersion);
        Assert.Matches(@"^\d+\.\d+\.\d+", info.VendorVersion);
    }

    [Fact]
    public async Task GetPluginCapabilities_Always_ControllerAndAccessibilityConstraints()
    {
        var response = await _client.Identity.GetPluginCapabilitiesAsync(new GetPluginCapabilitiesRequest()).ResponseAsync;

        var types = response.Capabilities.Select(c => c.Service.Type).Order().ToArray();
        Assert.Equal(
            [PluginCapability.Types.Service.Types.Type.ControllerService, PluginCapability.Types.Service.Types.Type.VolumeAccessibilityConstraints],
            types);
    }

    [Fact]
    public async Task Probe_PluginStarted_Ready()
    {
        var response = await _client.Identity.ProbeAsync(new ProbeRequest()).ResponseAsync;

        Assert.NotNull(response.Ready);
        Assert.True(response.Ready);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Probe_ReadinessFunction_Reported(bool ready)
    {
        var service = new Stratum.Csi.Services.IdentityService(PluginInfo.Default, () => ready);

        var response = await service.Probe(new ProbeRequest(), context: null!);

        Assert.Equal(ready, response.Ready);
    }

    [Fact]
    public async Task NodeGetInfo_Plugin_NodeIdAndTopologyKey()
    {
        var info = await _client.Node.NodeGetInfoAsync(new NodeGetInfoRequest()).ResponseAsync;

        Assert.Equal("node-a", info.NodeId);
        Assert.Equal("node-a", info.AccessibleTopology.Segments[CsiTopology.NodeKey]);
        Assert.Equal("topology.lvm.stratum.dev/node", CsiTopology.NodeKey);
    }
}
