using Stratum.Csi;

namespace Stratum.Kube.Tests;

/// <summary>Stratum.Kube does not depend on the gRPC layer, so it repeats two names: they must stay the plugin's.</summary>
public sealed class StratumNamesTests
{
    [Fact]
    public void DriverName_IsThePluginsDriverName() => Assert.Equal(PluginInfo.DriverName, StratumNames.DriverName);

    [Fact]
    public void TopologyKey_IsThePluginsTopologyKey() => Assert.Equal(CsiTopology.NodeKey, StratumNames.TopologyKey);

    [Fact]
    public void DeviceClassParameter_IsThePluginsParameter() =>
        Assert.Equal(Stratum.Csi.Services.ControllerService.DeviceClassParameter, StratumNames.DeviceClassParameter);
}
