using System.Text.RegularExpressions;
using System.Xml.Linq;
using k8s.Models;
using Stratum.Deploy.Tests.Expectations;
using Stratum.Deploy.Tests.TestSupport;

namespace Stratum.Deploy.Tests;

/// <summary>The node DaemonSet (and any other workload) against the tables, container by container.</summary>
public sealed partial class WorkloadTests
{
    /// <summary>An exact version tag (v1.2.3, 1.2.3, optionally -suffix) or a digest.</summary>
    [GeneratedRegex(@"^[^:@\s]+(:v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})$")]
    private static partial Regex PinnedImage();

    [Theory]
    [MemberData(nameof(Tables.OverlayDirectories), MemberType = typeof(Tables))]
    public void Workloads_Overlay_HaveExactlyTheExpectedContainers(string overlay)
    {
        var manifest = Manifest.Render(overlay);
        var expectation = Tables.Overlay(overlay);

        var rendered = manifest.All<V1DaemonSet>().Select(d => $"DaemonSet/{d.Metadata.NamespaceProperty}/{d.Metadata.Name}")
            .Concat(manifest.All<V1Deployment>().Select(d => $"Deployment/{d.Metadata.NamespaceProperty}/{d.Metadata.Name}"))
            .Concat(manifest.All<V1StatefulSet>().Select(d => $"StatefulSet/{d.Metadata.NamespaceProperty}/{d.Metadata.Name}"))
            .Order(StringComparer.Ordinal);
        Assert.Equal(expectation.Workloads.Select(w => $"{w.Kind}/{w.Namespace}/{w.Name}").Order(StringComparer.Ordinal), rendered);
        foreach (var workload in expectation.Workloads)
        {
            var pod = Workloads.Template(manifest, workload).Spec;
            Assert.Equal(workload.Containers.Select(c => c.Name).Order(StringComparer.Ordinal), pod.Containers.Select(c => c.Name).Order(StringComparer.Ordinal));
            Assert.Equal(workload.ServiceAccount, pod.ServiceAccountName);
            Assert.Equal(workload.PriorityClass, pod.PriorityClassName);
            Assert.NotNull(manifest.Find<V1ServiceAccount>(workload.ServiceAccount, workload.Namespace));
        }
    }

    [Theory]
    [MemberData(nameof(Tables.OverlayDirectories), MemberType = typeof(Tables))]
    public void Workloads_Overlay_SelectorsLabelsAndVolumesAreConsistent(string overlay)
    {
        var manifest = Manifest.Render(overlay);
        foreach (var workload in Tables.Overlay(overlay).Workloads)
        {
            var (selector, template) = workload.Kind == "DaemonSet"
                ? (manifest.Single<V1DaemonSet>(workload.Name).Spec.Selector, manifest.Single<V1DaemonSet>(workload.Name).Spec.Template)
                : (manifest.Single<V1Deployment>(workload.Name).Spec.Selector, manifest.Single<V1Deployment>(workload.Name).Spec.Template);
            Assert.NotEmpty(selector.MatchLabels);
            foreach (var (key, value) in selector.MatchLabels)
            {
                Assert.True(template.Metadata.Labels.TryGetValue(key, out var actual) && actual == value,
                    $"{workload.Name}: selector {key}={value} does not match the pod template's labels");
            }

            var declared = (template.Spec.Volumes ?? []).Select(v => v.Name).ToList();
            Assert.Equal(declared.Count, declared.Distinct(StringComparer.Ordinal).Count());
            var used = template.Spec.Containers.SelectMany(c => c.VolumeMounts ?? []).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
            Assert.Empty(used.Except(declared));
            Assert.Empty(declared.Except(used));
            foreach (var configMap in (template.Spec.Volumes ?? []).Where(v => v.ConfigMap is not null))
            {
                Assert.NotNull(manifest.Find<V1ConfigMap>(configMap.ConfigMap.Name, workload.Namespace));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Tables.Containers), MemberType = typeof(Tables))]
    public void Container_Image_IsPinnedToTheExpectedVersion(string overlay, string workload, string container)
    {
        var (_, expected, actual, _) = Workloads.Container(Manifest.Render(overlay), overlay, workload, container);

        Assert.Matches(PinnedImage(), actual.Image);
        Assert.DoesNotContain(":latest", actual.Image, StringComparison.Ordinal);
        var tag = expected.Tag ?? ProjectVersion();
        Assert.Equal($"{expected.Repository}:{tag}", actual.Image);
        Assert.Equal("IfNotPresent", actual.ImagePullPolicy);
    }

    [Theory]
    [MemberData(nameof(Tables.Containers), MemberType = typeof(Tables))]
    public void Container_Args_HaveEveryRequiredFlagAndOnlyKnownOnes(string overlay, string workload, string container)
    {
        var (_, expected, actual, _) = Workloads.Container(Manifest.Render(overlay), overlay, workload, container);
        var args = actual.Args ?? [];

        Assert.Null(actual.Command); // the image's entrypoint runs; only arguments are given
        foreach (var required in expected.RequiredArgs)
        {
            Assert.Contains(required, args);
        }

        var flags = args.Where(a => a.StartsWith('-')).Select(a => a.Split('=')[0]).ToList();
        Assert.Equal(flags.Count, flags.Distinct(StringComparer.Ordinal).Count());
        if (expected.KnownFlags is { } known)
        {
            Assert.All(flags, f => Assert.True(known.Contains(f), $"{container}: {f} is not a flag of {actual.Image}"));
            Assert.All(args, a => Assert.StartsWith("--", a, StringComparison.Ordinal));
        }

        // $(VAR) in arguments expands only from the container's own environment.
        var env = (actual.Env ?? []).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        foreach (Match reference in Regex.Matches(string.Join(' ', args), @"\$\(([A-Za-z_][A-Za-z0-9_]*)\)"))
        {
            Assert.Contains(reference.Groups[1].Value, env);
        }
    }

    [Theory]
    [MemberData(nameof(Tables.Containers), MemberType = typeof(Tables))]
    public void Container_Environment_IsAsExpected(string overlay, string workload, string container)
    {
        var (_, expected, actual, _) = Workloads.Container(Manifest.Render(overlay), overlay, workload, container);
        var env = actual.Env ?? [];

        foreach (var (name, fieldPath) in expected.DownwardEnv)
        {
            var variable = Assert.Single(env, e => e.Name == name);
            Assert.Equal(fieldPath, variable.ValueFrom?.FieldRef?.FieldPath);
        }

        foreach (var (name, value) in expected.Env)
        {
            Assert.Equal(value, Assert.Single(env, e => e.Name == name).Value);
        }

        Assert.Equal(expected.DownwardEnv.Count + expected.Env.Count, env.Count);
        // NativeAOT bakes its runtime settings into the binary; none come from the environment.
        Assert.DoesNotContain(env, e => e.Name.StartsWith("DOTNET_", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Tables.Containers), MemberType = typeof(Tables))]
    public void Container_Resources_HaveRequestsAndAMemoryLimit(string overlay, string workload, string container)
    {
        var (_, _, actual, _) = Workloads.Container(Manifest.Render(overlay), overlay, workload, container);
        var requests = actual.Resources?.Requests ?? new Dictionary<string, ResourceQuantity>();
        var limits = actual.Resources?.Limits ?? new Dictionary<string, ResourceQuantity>();

        Assert.True(requests.ContainsKey("cpu"), $"{container}: no cpu request");
        Assert.True(requests.ContainsKey("memory"), $"{container}: no memory request");
        Assert.True(limits.ContainsKey("memory"), $"{container}: no memory limit");
        Assert.True(requests["memory"].ToDecimal() <= limits["memory"].ToDecimal(), $"{container}: memory request above its limit");
        Assert.True(requests["cpu"].ToDecimal() > 0);
    }

    [Theory]
    [MemberData(nameof(Tables.Containers), MemberType = typeof(Tables))]
    public void Container_Probes_PointAtTheServedHealthEndpoint(string overlay, string workload, string container)
    {
        var (_, expected, actual, pod) = Workloads.Container(Manifest.Render(overlay), overlay, workload, container);

        if (expected.Health is not { } health)
        {
            Assert.Null(actual.LivenessProbe);
            Assert.Null(actual.StartupProbe);
            Assert.Null(actual.ReadinessProbe);
            return;
        }

        var server = pod.Containers.Single(c => c.Name == (health.ServedBy ?? actual.Name));
        var port = Workloads.Port(Workloads.FlagValue(server, health.PortFlag)
            ?? throw new Xunit.Sdk.XunitException($"{server.Name} has no {health.PortFlag}"));
        V1Probe?[] probes = [actual.LivenessProbe, expected.Startup ? actual.StartupProbe : null, expected.Readiness ? actual.ReadinessProbe : null];
        Assert.NotNull(actual.LivenessProbe);
        Assert.Equal(expected.Startup, actual.StartupProbe is not null);
        Assert.Equal(expected.Readiness, actual.ReadinessProbe is not null);
        foreach (var probe in probes.OfType<V1Probe>())
        {
            Assert.Equal(health.Path, probe.HttpGet.Path);
            var named = probe.HttpGet.Port.Value;
            var number = int.TryParse(named, out var n) ? n : Assert.Single(actual.Ports ?? [], p => p.Name == named).ContainerPort;
            Assert.Equal(port, number);
            Assert.True(probe.TimeoutSeconds is > 0, $"{container}: probe without a timeout");
        }
    }

    [Theory]
    [MemberData(nameof(Tables.Containers), MemberType = typeof(Tables))]
    public void Container_Socket_IsThePluginsSocket(string overlay, string workload, string container)
    {
        var (_, expected, actual, pod) = Workloads.Container(Manifest.Render(overlay), overlay, workload, container);
        if (expected.SocketFlag is null)
        {
            return;
        }

        var plugin = pod.Containers.Single(c => c.Name == Tables.Plugin.Name);
        var endpoint = Workloads.FlagValue(plugin, "--endpoint") ?? throw new Xunit.Sdk.XunitException("stratum has no --endpoint");
        Assert.StartsWith("unix://", endpoint, StringComparison.Ordinal);
        var pluginSocket = Workloads.Resolve(plugin, endpoint["unix://".Length..]);
        var address = Workloads.FlagValue(actual, expected.SocketFlag) ?? throw new Xunit.Sdk.XunitException($"{container} has no {expected.SocketFlag}");

        Assert.Equal(Tables.SocketInPod, address);
        Assert.Equal(pluginSocket, Workloads.Resolve(actual, address.Replace("unix://", "", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Tables.OverlayDirectories), MemberType = typeof(Tables))]
    public void Registrar_RegistrationPath_IsTheSocketOnTheHost(string overlay)
    {
        var manifest = Manifest.Render(overlay);
        var pod = manifest.Single<V1DaemonSet>("stratum-node").Spec.Template.Spec;
        var registrar = pod.Containers.Single(c => c.Name == Tables.Registrar.Name);
        var (volume, rest) = Workloads.Resolve(registrar, Workloads.FlagValue(registrar, "--csi-address")!);
        var hostDirectory = pod.Volumes.Single(v => v.Name == volume).HostPath.Path.TrimEnd('/');

        Assert.Equal($"{hostDirectory}/{rest}", Workloads.FlagValue(registrar, "--kubelet-registration-path"));
        Assert.Equal($"/var/lib/kubelet/plugins/{Tables.Driver}", hostDirectory);
        var registration = Assert.Single(registrar.VolumeMounts, m => m.MountPath == "/registration");
        Assert.Equal("/var/lib/kubelet/plugins_registry", pod.Volumes.Single(v => v.Name == registration.Name).HostPath.Path.TrimEnd('/'));
    }

    /// <summary>The mounts the LVM-in-a-container design relies on (docs/architecture.md, "LVM in a container").</summary>
    [Theory]
    [MemberData(nameof(Tables.OverlayDirectories), MemberType = typeof(Tables))]
    public void Plugin_HostMounts_MatchTheLvmDesign(string overlay)
    {
        var pod = Manifest.Render(overlay).Single<V1DaemonSet>("stratum-node").Spec.Template.Spec;
        var plugin = pod.Containers.Single(c => c.Name == Tables.Plugin.Name);
        V1VolumeMount Mount(string path) => Assert.Single(plugin.VolumeMounts, m => m.MountPath == path);
        string? HostPath(V1VolumeMount m) => pod.Volumes.Single(v => v.Name == m.Name).HostPath?.Path.TrimEnd('/');

        Assert.True(plugin.SecurityContext.Privileged);
        Assert.True(plugin.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Equal("Bidirectional", Mount("/var/lib/kubelet").MountPropagation);
        Assert.Equal("/var/lib/kubelet", HostPath(Mount("/var/lib/kubelet")));
        // The host's own paths at the same place: LVM in the container shares the host's
        // configuration, backups, devices file, locks and run state.
        foreach (var shared in new[] { "/dev", "/etc/lvm", "/run/lock/lvm", "/run/lvm", "/lib/modules" })
        {
            Assert.Equal(shared, HostPath(Mount(shared)));
        }

        Assert.True(Mount("/lib/modules").ReadOnlyProperty);

        // IO limits: --cgroup-root is the host's cgroup v2 tree, not the container's namespace.
        var cgroupRoot = plugin.Args.Single(a => a.StartsWith("--cgroup-root=", StringComparison.Ordinal))["--cgroup-root=".Length..];
        Assert.Equal("/sys/fs/cgroup", HostPath(Mount(cgroupRoot)));
        // Writable scratch on a read-only root, private to the container.
        Assert.NotNull(pod.Volumes.Single(v => v.Name == Mount("/run").Name).EmptyDir);
        Assert.NotNull(pod.Volumes.Single(v => v.Name == Mount("/tmp").Name).EmptyDir);
        // No sidecar gets privileges or host paths beyond the socket and the registration dir.
        foreach (var sidecar in pod.Containers.Where(c => c != plugin))
        {
            Assert.NotEqual(true, sidecar.SecurityContext?.Privileged);
            Assert.Equal(false, sidecar.SecurityContext?.AllowPrivilegeEscalation);
            Assert.All(sidecar.VolumeMounts, m => Assert.Contains(m.MountPath, new[] { "/csi", "/registration" }));
        }
    }

    [Theory]
    [MemberData(nameof(Tables.OverlayDirectories), MemberType = typeof(Tables))]
    public void Plugin_Config_IsTheConfigMapMountedAsADirectory(string overlay)
    {
        var manifest = Manifest.Render(overlay);
        var pod = manifest.Single<V1DaemonSet>("stratum-node").Spec.Template.Spec;
        var plugin = pod.Containers.Single(c => c.Name == Tables.Plugin.Name);
        var path = Workloads.FlagValue(plugin, "--config")!;

        // Resolve rejects subPath: a subPath mount never sees ConfigMap updates (hot reload).
        var (volume, file) = Workloads.Resolve(plugin, path);
        var configMap = manifest.Single<V1ConfigMap>(pod.Volumes.Single(v => v.Name == volume).ConfigMap.Name, Tables.Namespace);
        Assert.True(configMap.Data.ContainsKey(file), $"ConfigMap {configMap.Metadata.Name} has no key {file}");
        Assert.Null(pod.Volumes.Single(v => v.Name == volume).ConfigMap.Items);
    }

    /// <summary>
    /// tests/image/guest runs the binary the way this DaemonSet runs it; when the manifest's
    /// arguments, environment or mounts change, the image test must change with them.
    /// </summary>
    [Fact]
    public void ImageTest_Container_IsSetUpAsTheDaemonSetRunsThePlugin()
    {
        var pod = Manifest.Render("base").Single<V1DaemonSet>("stratum-node").Spec.Template.Spec;
        var plugin = pod.Containers.Single(c => c.Name == Tables.Plugin.Name);
        var guest = File.ReadAllText(Repo.Path("tests", "image", "guest"));

        foreach (var arg in plugin.Args.Where(a => !a.Contains("$(", StringComparison.Ordinal)))
        {
            Assert.Contains(arg, guest, StringComparison.Ordinal);
        }

        foreach (var variable in plugin.Env.Where(e => e.Value is not null))
        {
            Assert.Contains($"{variable.Name}={variable.Value}", guest, StringComparison.Ordinal);
        }

        foreach (var mount in plugin.VolumeMounts)
        {
            Assert.Contains($"\"$c{mount.MountPath}\"", guest, StringComparison.Ordinal);
        }

        Assert.Contains("--propagation unchanged", guest, StringComparison.Ordinal);
        Assert.Contains("remount,bind,ro \"$c\"", guest, StringComparison.Ordinal);
    }

    [Fact]
    public void NodeDaemonSet_Tolerations_RunItOnEveryNode()
    {
        var pod = Manifest.Render("base").Single<V1DaemonSet>("stratum-node").Spec.Template.Spec;

        var toleration = Assert.Single(pod.Tolerations);
        Assert.Equal("Exists", toleration.OperatorProperty);
        Assert.Null(toleration.Key);
        Assert.True(pod.TerminationGracePeriodSeconds > 30, "the pod must outlive stratum's 30 s drain");
    }

    private static string ProjectVersion() =>
        XDocument.Load(Repo.Path("Directory.Build.props")).Descendants("Version").Single().Value;
}
