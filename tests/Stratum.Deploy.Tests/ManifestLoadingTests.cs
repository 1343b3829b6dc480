using k8s.Models;
using Stratum.Deploy.Tests.Expectations;
using Stratum.Deploy.Tests.TestSupport;
using Xunit.Abstractions;

namespace Stratum.Deploy.Tests;

/// <summary>Every rendered object loads as its typed model, and the loader really is strict.</summary>
public sealed class ManifestLoadingTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(Tables.OverlayDirectories), MemberType = typeof(Tables))]
    public void Render_Overlay_EveryObjectLoadsAsItsTypedModel(string overlay)
    {
        var manifest = Manifest.Render(overlay);

        Assert.NotEmpty(manifest.Objects);
        Assert.DoesNotContain(manifest.Objects, o => o.GetType() == typeof(object));
        var duplicates = manifest.Identities.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"{overlay}: objects rendered twice: {string.Join(", ", duplicates)}");
        output.WriteLine($"deploy/{overlay}: {manifest.Objects.Count} objects");
        foreach (var kind in manifest.Objects.GroupBy(o => o.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {kind.Key}: {kind.Count()}");
        }
    }

    /// <summary>Misspelled or misplaced fields, as people write them, must fail to load.</summary>
    [Theory]
    [InlineData("mountPropagation: Bidirectional", "mountPropogation: Bidirectional")]
    [InlineData("priorityClassName: system-node-critical", "priorityClass: system-node-critical")]
    [InlineData("readOnlyRootFilesystem: true", "readonlyRootFilesystem: true")]
    [InlineData("fieldPath: spec.nodeName", "fieldpath: spec.nodeName")]
    [InlineData("attachRequired: false", "attachRequried: false")]
    [InlineData("storageCapacity: true", "storageCapacities: true")]
    [InlineData("volumeBindingMode: WaitForFirstConsumer", "bindingMode: WaitForFirstConsumer")]
    [InlineData("deletionPolicy: Delete", "deletePolicy: Delete")]
    public void Parse_MisspelledField_IsRejected(string correct, string misspelled)
    {
        var rendered = Kustomize.Render("overlays/distributed-snapshotting");
        Assert.Contains(correct, rendered, StringComparison.Ordinal);
        _ = Manifest.Parse(rendered, "original");

        var broken = rendered.Replace(correct, misspelled, StringComparison.Ordinal);

        var error = Assert.Throws<InvalidDataException>(() => Manifest.Parse(broken, "broken"));
        Assert.Contains(misspelled.Split(':')[0], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownKind_IsRejected()
    {
        const string yaml = "apiVersion: apps/v1\nkind: DaemonSett\nmetadata:\n  name: x\n";

        var error = Assert.Throws<InvalidDataException>(() => Manifest.Parse(yaml, "test"));

        Assert.Contains("DaemonSett", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FieldAtTheWrongLevel_IsRejected()
    {
        // `image` belongs to the container, not to the pod spec.
        const string yaml = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: x
            spec:
              image: stratum:0.1.0
              containers:
                - name: c
                  image: stratum:0.1.0
            """;

        Assert.Throws<InvalidDataException>(() => Manifest.Parse(yaml, "test"));
        Assert.IsType<V1Pod>(Assert.Single(Manifest.Parse(yaml.Replace("  image: stratum:0.1.0\n  containers", "  containers", StringComparison.Ordinal), "test").Objects));
    }
}
