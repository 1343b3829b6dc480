using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Stratum.Config;

/// <summary>
/// An immutable index of one node's device classes. Nothing in it changes after construction, so a
/// reload builds a new manager from the new configuration and swaps the reference; callers that
/// hold the old one keep a consistent view.
/// </summary>
public sealed class DeviceClassManager
{
    private readonly FrozenDictionary<string, DeviceClass> _byName;

    /// <summary>The top-level classes of <paramref name="config"/> (for a configuration without per-node sections).</summary>
    /// <param name="config">
    /// A configuration as <see cref="ConfigLoader"/> returns it. Built by hand, it must still have at
    /// least one class, unique names, and exactly one default (a single class is the default anyway).
    /// </param>
    /// <exception cref="ArgumentException">The configuration breaks one of those rules.</exception>
    public DeviceClassManager(StratumConfig config)
        : this(config, config?.DeviceClasses ?? throw new ArgumentNullException(nameof(config)), allowEmpty: false, refusalReason: null)
    {
    }

    /// <summary>One node's classes; an empty list is allowed there and makes <see cref="RefusalReason"/> say why.</summary>
    public DeviceClassManager(NodeConfig node)
        : this(node?.Config!, node?.DeviceClasses ?? throw new ArgumentNullException(nameof(node)), allowEmpty: true, node.RefusalReason)
    {
        Node = node;
    }

    private DeviceClassManager(StratumConfig config, IReadOnlyList<DeviceClass> classes, bool allowEmpty, string? refusalReason)
    {
        if (classes.Count == 0 && !allowEmpty)
        {
            throw new ArgumentException("a configuration needs at least one device class", nameof(config));
        }

        var byName = new Dictionary<string, DeviceClass>(StringComparer.Ordinal);
        foreach (var deviceClass in classes)
        {
            if (!byName.TryAdd(deviceClass.Name, deviceClass))
            {
                throw new ArgumentException($"device class name '{deviceClass.Name}' is used twice", nameof(config));
            }
        }

        var defaults = classes.Where(c => c.IsDefault).ToList();
        Default = defaults.Count switch
        {
            1 => defaults[0],
            0 when classes.Count <= 1 => classes.FirstOrDefault(),
            0 => throw new ArgumentException("no device class is the default", nameof(config)),
            _ => throw new ArgumentException($"{defaults.Count} device classes are marked default; exactly one may be", nameof(config)),
        };

        Config = config;
        All = [.. classes];
        RefusalReason = refusalReason;
        _byName = byName.ToFrozenDictionary(StringComparer.Ordinal);
        VolumeGroups = [.. classes.Select(c => c.VolumeGroup).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The configuration this index was built from.</summary>
    public StratumConfig Config { get; }

    /// <summary>The node's view this index was built from, when built for a node.</summary>
    public NodeConfig? Node { get; }

    /// <summary>The class used when a StorageClass names none; null only when the node has no classes.</summary>
    public DeviceClass? Default { get; }

    /// <summary>Every class, in configuration order.</summary>
    public IReadOnlyList<DeviceClass> All { get; }

    /// <summary>Why the node provisions nothing (it has no classes), or null.</summary>
    public string? RefusalReason { get; }

    /// <summary>The distinct volume groups the classes use, in order of first use.</summary>
    public IReadOnlyList<string> VolumeGroups { get; }

    /// <summary>Looks a class up by its exact (case-sensitive) name.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out DeviceClass? deviceClass)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out deviceClass);
    }

    /// <summary>
    /// The class a StorageClass's <c>deviceClass</c> parameter selects: the default for null or
    /// empty, the named class if it exists, otherwise null (also when the node has no classes).
    /// </summary>
    public DeviceClass? Find(string? name) =>
        string.IsNullOrEmpty(name) ? Default
        : _byName.TryGetValue(name, out var deviceClass) ? deviceClass
        : null;
}
