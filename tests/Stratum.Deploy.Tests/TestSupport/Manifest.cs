using k8s;
using k8s.Models;

namespace Stratum.Deploy.Tests.TestSupport;

/// <summary>
/// A rendered kustomization as typed Kubernetes objects. Loading is strict: a field the typed
/// model does not know (a misspelling such as <c>mountPropogation</c>, or a field at the wrong
/// level) and a kind without a model are errors, not silently dropped.
/// </summary>
internal sealed class Manifest
{
    private static readonly Dictionary<string, Type> CustomKinds = new(StringComparer.Ordinal)
    {
        [$"{V1VolumeSnapshotClass.ApiGroupVersion}/VolumeSnapshotClass"] = typeof(V1VolumeSnapshotClass),
        [$"{V1ServiceMonitor.ApiGroupVersion}/ServiceMonitor"] = typeof(V1ServiceMonitor),
    };

    private Manifest(string source, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects)
    {
        Source = source;
        Objects = objects;
    }

    public string Source { get; }

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects { get; }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Manifest>> RenderedManifests = new(StringComparer.Ordinal);

    /// <summary>Renders deploy/<paramref name="directory"/> and loads it (once per test run; treat it as read-only).</summary>
    public static Manifest Render(string directory) =>
        RenderedManifests.GetOrAdd(directory, d => new Lazy<Manifest>(() => Parse(Kustomize.Render(d), $"deploy/{d}"))).Value;

    /// <summary>Loads multi-document YAML strictly into typed objects.</summary>
    /// <exception cref="InvalidDataException">An object does not load; the message names it.</exception>
    public static Manifest Parse(string yaml, string source)
    {
        var documents = SplitDocuments(yaml);
        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        for (var i = 0; i < documents.Count; i++)
        {
            try
            {
                var loaded = KubernetesYaml.LoadAllFromString(documents[i], CustomKinds, strict: true);
                objects.AddRange(loaded.Cast<IKubernetesObject<V1ObjectMeta>>());
            }
            catch (Exception ex) when (ex is YamlDotNet.Core.YamlException or KeyNotFoundException or InvalidCastException)
            {
                throw new InvalidDataException($"{source}: object #{i + 1} ({Describe(documents[i])}) does not load as a typed object: {ex.Message}", ex);
            }
        }

        return new Manifest(source, objects);
    }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T Single<T>(string name, string? @namespace = null)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var found = All<T>().Where(o => o.Metadata.Name == name && (@namespace is null || o.Metadata.NamespaceProperty == @namespace)).ToList();
        return found.Count == 1
            ? found[0]
            : throw new InvalidDataException($"{Source}: expected one {typeof(T).Name} '{name}', found {found.Count}");
    }

    public T? Find<T>(string name, string? @namespace = null)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        All<T>().SingleOrDefault(o => o.Metadata.Name == name && (@namespace is null || o.Metadata.NamespaceProperty == @namespace));

    /// <summary>Kind/namespace/name of every object, for messages and counts.</summary>
    public IEnumerable<string> Identities => Objects.Select(o => $"{o.Kind}/{o.Metadata.NamespaceProperty ?? "-"}/{o.Metadata.Name}");

    private static List<string> SplitDocuments(string yaml)
    {
        var documents = new List<string>();
        var current = new System.Text.StringBuilder();
        foreach (var line in yaml.Split('\n'))
        {
            if (line.TrimEnd() == "---")
            {
                Flush();
                continue;
            }

            current.Append(line).Append('\n');
        }

        Flush();
        return documents;

        void Flush()
        {
            if (current.ToString().Split('\n').Any(l => l.Length > 0 && !l.TrimStart().StartsWith('#')))
            {
                documents.Add(current.ToString());
            }

            current.Clear();
        }
    }

    private static string Describe(string document)
    {
        string? Field(string key) => document.Split('\n').FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal))?[(key.Length + 1)..].Trim();
        var name = document.Split('\n').SkipWhile(l => !l.StartsWith("metadata:", StringComparison.Ordinal))
            .FirstOrDefault(l => l.StartsWith("  name:", StringComparison.Ordinal))?["  name:".Length..].Trim();
        return $"{Field("apiVersion")}/{Field("kind")} {name}";
    }
}
