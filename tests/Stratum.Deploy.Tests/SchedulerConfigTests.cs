using k8s;
using Stratum.Deploy.Tests.TestSupport;

namespace Stratum.Deploy.Tests;

/// <summary>The kube-scheduler configurations shipped for StorageCapacityScoring (deploy/scheduler).</summary>
public sealed class SchedulerConfigTests
{
    [Theory]
    [InlineData("binpack.yaml", true)]
    [InlineData("spread.yaml", false)]
    public void SchedulerConfig_Shape_ScoresTheWayItsNameSays(string file, bool fullerWins)
    {
        var config = KubernetesYaml.Deserialize<KubeSchedulerConfiguration>(File.ReadAllText(Repo.Path("deploy", "scheduler", file)), strict: true);

        Assert.Equal("kubescheduler.config.k8s.io/v1", config.ApiVersion);
        Assert.Equal("KubeSchedulerConfiguration", config.Kind);
        var plugin = Assert.Single(Assert.Single(config.Profiles).PluginConfig);
        Assert.Equal("VolumeBinding", plugin.Name);
        var shape = plugin.Args!.Shape;
        Assert.True(shape.Count >= 2);
        Assert.All(shape, p => Assert.InRange(p.Utilization, 0, 100));
        Assert.All(shape, p => Assert.InRange(p.Score, 0, 10));
        Assert.Equal(shape.Select(p => p.Utilization).Order(), shape.Select(p => p.Utilization));
        Assert.Equal(fullerWins, shape[^1].Score > shape[0].Score);
    }

    [Fact]
    public void SchedulerConfig_MisspelledField_IsRejected()
    {
        var text = File.ReadAllText(Repo.Path("deploy", "scheduler", "binpack.yaml")).Replace("utilization:", "utilisation:", StringComparison.Ordinal);

        Assert.ThrowsAny<YamlDotNet.Core.YamlException>(() => KubernetesYaml.Deserialize<KubeSchedulerConfiguration>(text, strict: true));
    }
}
