using k8s.Models;
using Stratum.Config;
using Stratum.Deploy.Tests.Expectations;
using Stratum.Deploy.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace Stratum.Deploy.Tests;

/// <summary>The CSIDriver, the example classes and the ConfigMap's configuration, per overlay.</summary>
public sealed class DriverAndClassesTests
{
    private static readonly string[] FileSystems = ["ext4", "xfs", "btrfs"];
    private static readonly string[] StorageClassParameters = ["deviceClass", "csi.storage.k8s.io/fstype"];

    [Theory]
    [MemberData(nameof(Tables.OverlayDirectories), MemberType = typeof(Tables))]
    public void CsiDriver_Overlay_IsWhatDistributedProvisioningNeeds(string overlay)
    {
        var driver = Assert.Single(Manifest.Render(overlay).All<V1CSIDriver>());

        Assert.Equal(Tables.Driver, driver.Metadata.Name);
        Assert.False(driver.Spec.AttachRequired);
        Assert.True(driver.Spec.PodInfoOnMount);
        Assert.True(driver.Spec.StorageCapacity);
        Assert.Equal("File", driver.Spec.FsGroupPolicy);
        Assert.False(driver.Spec.RequiresRepublish);
        Assert.Equal(["Persistent"], driver.Spec.VolumeLifecycleModes);
    }

    [Theory]
    [MemberData(nameof(Tables.OverlayDirectories), MemberType = typeof(Tables))]
    public void StorageClasses_Overlay_WaitForTheConsumerAndNameAConfiguredClass(string overlay)
    {
        var manifest = Manifest.Render(overlay);
        var expected = Tables.Overlay(overlay);
        var configured = ConfiguredDeviceClasses(manifest);

        Assert.Equal(expected.StorageClasses.Order(StringComparer.Ordinal), manifest.All<V1StorageClass>().Select(c => c.Metadata.Name).Order(StringComparer.Ordinal));
        foreach (var storageClass in manifest.All<V1StorageClass>())
        {
            var name = storageClass.Metadata.Name;
            Assert.Equal(Tables.Driver, storageClass.Provisioner);
            Assert.Equal("WaitForFirstConsumer", storageClass.VolumeBindingMode);
            Assert.True(storageClass.AllowVolumeExpansion, $"{name}: allowVolumeExpansion");
            Assert.Equal("Delete", storageClass.ReclaimPolicy);
            var parameters = storageClass.Parameters ?? new Dictionary<string, string>();
            Assert.All(parameters.Keys, k => Assert.Contains(k, StorageClassParameters));
            Assert.True(parameters.TryGetValue("deviceClass", out var deviceClass), $"{name}: no deviceClass");
            Assert.True(configured.Contains(deviceClass), $"{name}: device class '{deviceClass}' is not in the overlay's config.yaml ({string.Join(", ", configured)})");
            if (parameters.TryGetValue("csi.storage.k8s.io/fstype", out var fsType))
            {
                Assert.Contains(fsType, FileSystems);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Tables.OverlayDirectories), MemberType = typeof(Tables))]
    public void SnapshotClasses_Overlay_AreStratums(string overlay)
    {
        var manifest = Manifest.Render(overlay);

        Assert.Equal(Tables.Overlay(overlay).SnapshotClasses, manifest.All<V1VolumeSnapshotClass>().Select(c => c.Metadata.Name));
        Assert.All(manifest.All<V1VolumeSnapshotClass>(), c =>
        {
            Assert.Equal(Tables.Driver, c.Driver);
            Assert.Contains(c.DeletionPolicy, new[] { "Delete", "Retain" });
        });
    }

    [Theory]
    [MemberData(nameof(Tables.OverlayDirectories), MemberType = typeof(Tables))]
    public void ConfigMap_Overlay_LoadsWithStratumsOwnLoader(string overlay)
    {
        var text = ConfigText(Manifest.Render(overlay));

        var config = ConfigLoader.LoadFromText(text, $"{overlay}/config.yaml");

        Assert.NotEmpty(config.DeviceClasses);
        Assert.Equal(
            Tables.Overlay(overlay).ThinClasses.Order(StringComparer.Ordinal),
            config.DeviceClasses.Where(c => c.IsThin).Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Tables.OverlayDirectories), MemberType = typeof(Tables))]
    public void Objects_Overlay_AreLabelledAndInTheirNamespace(string overlay)
    {
        var manifest = Manifest.Render(overlay);
        var workloadNamespaces = Tables.Overlay(overlay).Workloads.Select(w => w.Namespace).ToHashSet(StringComparer.Ordinal);

        foreach (var o in manifest.Objects)
        {
            var labels = o.Metadata.Labels ?? new Dictionary<string, string>();
            Assert.True(labels.TryGetValue("app.kubernetes.io/part-of", out var partOf) && partOf == "stratum",
                $"{o.Kind}/{o.Metadata.Name} lacks app.kubernetes.io/part-of=stratum");
            if (o.Metadata.NamespaceProperty is { } ns)
            {
                Assert.Contains(ns, workloadNamespaces);
            }
        }

        Assert.NotNull(manifest.Find<V1Namespace>(Tables.Namespace));
        Assert.All(manifest.All<V1DaemonSet>().Concat<k8s.IKubernetesObject<V1ObjectMeta>>(manifest.All<V1ConfigMap>())
            .Concat(manifest.All<V1ServiceAccount>().Where(a => a.Metadata.Name == Tables.NodeServiceAccount)),
            o => Assert.Equal(Tables.Namespace, o.Metadata.NamespaceProperty));
    }

    private static string ConfigText(Manifest manifest) =>
        manifest.Single<V1ConfigMap>("stratum-config", Tables.Namespace).Data["config.yaml"];

    /// <summary>The device class names in the ConfigMap's config.yaml, read as plain YAML (valid or not for today's loader).</summary>
    private static HashSet<string> ConfiguredDeviceClasses(Manifest manifest)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(ConfigText(manifest)));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var classes = (YamlSequenceNode)root.Children[new YamlScalarNode("deviceClasses")];
        return classes.Children.OfType<YamlMappingNode>()
            .Select(c => ((YamlScalarNode)c.Children[new YamlScalarNode("name")]).Value!)
            .ToHashSet(StringComparer.Ordinal);
    }
}
