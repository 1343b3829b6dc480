using k8s.Models;
using Stratum.Deploy.Tests.Expectations;
using Stratum.Deploy.Tests.TestSupport;

namespace Stratum.Deploy.Tests;

/// <summary>
/// Metrics in deploy/: off in the base, on with components/metrics, and every ServiceMonitor
/// reaches a port that a container actually serves through its --metrics-address.
/// </summary>
public sealed class MetricsTests
{
    [Theory]
    [InlineData("base", false)]
    [InlineData("overlays/thin", false)]
    [InlineData("overlays/full", true)]
    public void NodePlugin_MetricsAddress_OnlyWithTheMetricsComponent(string overlay, bool expected)
    {
        var plugin = NodePod(Manifest.Render(overlay)).Spec.Containers.Single(c => c.Name == Tables.Plugin.Name);

        Assert.Equal(expected, Workloads.FlagValue(plugin, "--metrics-address") is not null);
        Assert.Equal(expected, (plugin.Ports ?? []).Any(p => p.Name == "metrics"));
    }

    [Fact]
    public void ServiceMonitors_Full_EachReachesAServedMetricsPort()
    {
        var manifest = Manifest.Render("overlays/full");
        var monitors = manifest.All<V1ServiceMonitor>().ToList();
        var pods = manifest.All<V1DaemonSet>().Select(d => d.Spec.Template).Concat(manifest.All<V1Deployment>().Select(d => d.Spec.Template)).ToList();

        Assert.Equal(["stratum-controller", "stratum-node"], monitors.Select(m => m.Metadata.Name).Order(StringComparer.Ordinal));
        foreach (var monitor in monitors)
        {
            var services = manifest.All<V1Service>().Where(s => Matches(monitor.Spec.Selector.MatchLabels, s.Metadata.Labels)).ToList();
            var endpoint = Assert.Single(monitor.Spec.Endpoints);
            var service = Assert.Single(services);
            var port = Assert.Single(service.Spec.Ports, p => p.Name == endpoint.Port);
            var pod = Assert.Single(pods, p => Matches(service.Spec.Selector, p.Metadata.Labels));
            var served = pod.Spec.Containers.Where(c => (c.Ports ?? []).Any(p => p.Name == port.TargetPort.Value)).ToList();
            var container = Assert.Single(served);
            var containerPort = container.Ports.Single(p => p.Name == port.TargetPort.Value).ContainerPort;
            Assert.Equal(containerPort, Workloads.Port(Workloads.FlagValue(container, "--metrics-address") ?? throw new Xunit.Sdk.XunitException($"{container.Name} has no --metrics-address")));
            Assert.Equal("/metrics", endpoint.Path);
        }
    }

    [Theory]
    [MemberData(nameof(Tables.OverlayDirectories), MemberType = typeof(Tables))]
    public void ServiceMonitors_OnlyInTheOverlayThatAsksForThem(string overlay)
    {
        // The base and the other overlays must apply on a cluster without the prometheus-operator's CRDs.
        Assert.Equal(overlay == "overlays/full", Manifest.Render(overlay).All<V1ServiceMonitor>().Any());
    }

    private static V1PodTemplateSpec NodePod(Manifest manifest) => manifest.Single<V1DaemonSet>("stratum-node").Spec.Template;

    private static bool Matches(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && labels is not null && selector.All(s => labels.TryGetValue(s.Key, out var v) && v == s.Value);
}
