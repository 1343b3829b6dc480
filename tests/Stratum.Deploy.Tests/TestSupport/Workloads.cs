using k8s.Models;
using Stratum.Deploy.Tests.Expectations;

namespace Stratum.Deploy.Tests.TestSupport;

/// <summary>Finds the rendered objects a table entry describes.</summary>
internal static class Workloads
{
    public static V1PodTemplateSpec Template(Manifest manifest, WorkloadExpectation workload) => workload.Kind switch
    {
        "DaemonSet" => manifest.Single<V1DaemonSet>(workload.Name, workload.Namespace).Spec.Template,
        "Deployment" => manifest.Single<V1Deployment>(workload.Name, workload.Namespace).Spec.Template,
        _ => throw new ArgumentException($"unknown workload kind {workload.Kind}"),
    };

    public static (WorkloadExpectation Workload, ContainerExpectation Expected, V1Container Actual, V1PodSpec Pod) Container(
        Manifest manifest, string overlay, string workloadName, string containerName)
    {
        var workload = Tables.Overlay(overlay).Workloads.Single(w => w.Name == workloadName);
        var expected = workload.Containers.Single(c => c.Name == containerName);
        var pod = Template(manifest, workload).Spec;
        var actual = pod.Containers.SingleOrDefault(c => c.Name == containerName)
            ?? throw new Xunit.Sdk.XunitException($"{overlay}: {workload.Kind} {workload.Name} has no container {containerName}");
        return (workload, expected, actual, pod);
    }

    /// <summary>The flag's value in <c>--flag=value</c> form (null when absent).</summary>
    public static string? FlagValue(V1Container container, string flag) =>
        container.Args?.FirstOrDefault(a => a.StartsWith(flag + "=", StringComparison.Ordinal))?[(flag.Length + 1)..];

    /// <summary>The port number in a flag value like <c>:9809</c>, <c>0.0.0.0:9809</c> or <c>9808</c>.</summary>
    public static int Port(string value) => int.Parse(value[(value.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Where a path inside a container lives: the volume mounted at its longest matching mount
    /// path and the rest of the path below it.
    /// </summary>
    public static (string Volume, string Below) Resolve(V1Container container, string path)
    {
        var mount = (container.VolumeMounts ?? [])
            .Where(m => path == m.MountPath || path.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal))
            .OrderByDescending(m => m.MountPath.Length)
            .FirstOrDefault()
            ?? throw new Xunit.Sdk.XunitException($"container {container.Name}: no volume is mounted above {path}");
        Assert.True(string.IsNullOrEmpty(mount.SubPath), $"container {container.Name}: {mount.MountPath} uses subPath");
        return (mount.Name, path[mount.MountPath.Length..].TrimStart('/'));
    }
}
