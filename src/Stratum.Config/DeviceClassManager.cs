using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Stratum.Config;

/// <summary>
/// An immutable index of one configuration's device classes. Nothing in it changes after
/// construction, so a reload builds a new manager from the new configuration and swaps the
/// reference; callers that hold the old one keep a consistent view.
/// </summary>
public sealed class DeviceClassManager
{
    private readonly FrozenDictionary<string, DeviceClass> _byName;

    /// <param name="config">
    /// A configuration as <see cref="ConfigLoader"/> returns it. Built by hand, it must still have at
    /// least one class, unique names, and exactly one default (a single class is the default anyway).
    /// </param>
    /// <exception cref="ArgumentException">The configuration breaks one of those rules.</exception>
    public DeviceClassManager(StratumConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var classes = config.DeviceClasses;
        if (classes.Count == 0)
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
            0 when classes.Count == 1 => classes[0],
            0 => throw new ArgumentException("no device class is the default", nameof(config)),
            _ => throw new ArgumentException($"{defaults.Count} device classes are marked default; exactly one may be", nameof(config)),
        };

        Config = config;
        _byName = byName.ToFrozenDictionary(StringComparer.Ordinal);
        VolumeGroups = [.. classes.Select(c => c.VolumeGroup).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The configuration this index was built from.</summary>
    public StratumConfig Config { get; }

    /// <summary>The class used when a StorageClass names none.</summary>
    public DeviceClass Default { get; }

    /// <summary>Every class, in configuration order.</summary>
    public IReadOnlyList<DeviceClass> All => Config.DeviceClasses;

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
    /// empty, the named class if it exists, otherwise null.
    /// </summary>
    public DeviceClass? Find(string? name) =>
        string.IsNullOrEmpty(name) ? Default
        : _byName.TryGetValue(name, out var deviceClass) ? deviceClass
        : null;
}
