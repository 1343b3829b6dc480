using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Stratum.Config;

/// <summary>A device class's <c>devices</c> and <c>thin</c> keys, and the rules about volume groups that span a node's classes.</summary>
internal sealed partial class ConfigReader
{
    private static readonly string[] ThinKeys =
        ["pool", "size", "overprovisionRatio", "chunkSize", "metadataSize", "dataThreshold", "metadataThreshold", "autogrow", "autogrowPercent"];

    private DevicePatterns? ReadDevices(YamlNode value, string label)
    {
        if (value is not YamlSequenceNode sequence)
        {
            Report(value.Start, $"{label}devices must be a list of device paths or patterns, e.g. [\"/dev/vd[b-z]\"], not {Kind(value)}");
            return null;
        }

        if (sequence.Children.Count == 0)
        {
            Report(value.Start, $"{label}devices must list at least one device path or pattern; without 'devices' the volume group is managed by hand");
            return null;
        }

        var patterns = new List<DevicePattern>();
        var seen = new Dictionary<string, Mark>(StringComparer.Ordinal);
        foreach (var item in sequence.Children)
        {
            if (item is not YamlScalarNode scalar || IsNull(item))
            {
                Report(item.Start, $"{label}devices items must be device paths or patterns, not {Kind(item)}");
                continue;
            }

            var text = scalar.Value ?? string.Empty;
            if (!DevicePattern.TryParse(text, out var pattern, out var error))
            {
                Report(item.Start, label + error);
            }
            else if (!seen.TryAdd(text, item.Start))
            {
                Report(item.Start, $"{label}devices lists '{text}' twice (first at line {seen[text].Line})");
            }
            else
            {
                patterns.Add(pattern);
            }
        }

        return patterns.Count == sequence.Children.Count ? new DevicePatterns(patterns) : null;
    }

    private ThinPoolSettings? ReadThin(YamlNode keyNode, YamlNode value, string label)
    {
        if (value is not YamlMappingNode mapping)
        {
            Report(value.Start, $"{label}thin must be a mapping ({string.Join(", ", ThinKeys)}), not {Kind(value)}");
            return null;
        }

        var problemsBefore = _problems.Count;
        string? pool = null;
        ThinPoolSize? size = null;
        var settings = new ThinPoolSettings { Pool = string.Empty, Size = ThinPoolSize.Percent(100) };
        YamlNode? autogrowPercentKey = null;
        foreach (var (entryKey, entryValue) in mapping.Children)
        {
            if (ReadKey(entryKey, label) is not { } key)
            {
                continue;
            }

            if (!ThinKeys.Contains(key, StringComparer.Ordinal))
            {
                UnknownKey(entryKey, key, label, " in thin", ThinKeys, ClassKeys, "it belongs to the device class, not under 'thin'");
                continue;
            }

            if (IsNull(entryValue))
            {
                continue;
            }

            switch (key)
            {
                case "pool":
                    if (ReadString(entryValue, label, "thin.pool") is { } name)
                    {
                        if (Names.IsThinPoolName(name, out var problem))
                        {
                            pool = name;
                        }
                        else
                        {
                            Report(entryValue.Start, $"{label}thin.pool '{name}' {problem}");
                        }
                    }

                    break;
                case "size":
                    size = ReadPoolSize(entryValue, label);
                    break;
                case "overprovisionRatio":
                    if (ReadRatio(entryValue, label) is { } ratio)
                    {
                        settings = settings with { OverprovisionRatio = ratio };
                    }

                    break;
                case "chunkSize":
                    if (ReadSize(entryValue, label, "thin.chunkSize") is { } chunk)
                    {
                        if (chunk < ThinPoolSettings.MinChunkSizeBytes || chunk > ThinPoolSettings.MaxChunkSizeBytes || (chunk & (chunk - 1)) != 0)
                        {
                            Report(entryValue.Start, $"{label}thin.chunkSize must be a power of two between 64Ki and 1Gi (LVM's limits), not {Text(entryValue)}; leave it out for LVM's choice");
                        }
                        else
                        {
                            settings = settings with { ChunkSizeBytes = chunk };
                        }
                    }

                    break;
                case "metadataSize":
                    if (ReadSize(entryValue, label, "thin.metadataSize") is { } metadata)
                    {
                        if (metadata < ThinPoolSettings.MinMetadataSizeBytes || metadata > ThinPoolSettings.MaxMetadataSizeBytes)
                        {
                            Report(entryValue.Start, $"{label}thin.metadataSize must be between 2Mi and 16Gi (LVM's limits), not {Text(entryValue)}; leave it out for LVM's estimate");
                        }
                        else
                        {
                            settings = settings with { MetadataSizeBytes = metadata };
                        }
                    }

                    break;
                case "dataThreshold":
                    settings = settings with { DataThresholdPercent = ReadPercent(entryValue, label, "thin.dataThreshold") ?? settings.DataThresholdPercent };
                    break;
                case "metadataThreshold":
                    settings = settings with { MetadataThresholdPercent = ReadPercent(entryValue, label, "thin.metadataThreshold") ?? settings.MetadataThresholdPercent };
                    break;
                case "autogrow":
                    settings = settings with { Autogrow = ReadBool(entryValue, label, "thin.autogrow") ?? settings.Autogrow };
                    break;
                case "autogrowPercent":
                    autogrowPercentKey = entryKey;
                    settings = settings with { AutogrowPercent = ReadPercent(entryValue, label, "thin.autogrowPercent") ?? settings.AutogrowPercent };
                    break;
            }
        }

        if (pool is null && !mapping.Children.Any(e => e.Key is YamlScalarNode { Value: "pool" } && !IsNull(e.Value) && e.Value is YamlScalarNode))
        {
            Report(mapping.Children.Count == 0 ? keyNode.Start : mapping.Start, $"{label}a thin class must name its pool: add 'pool' under 'thin' (e.g. pool: pool0)");
        }

        if (size is null && !mapping.Children.Any(e => e.Key is YamlScalarNode { Value: "size" } && !IsNull(e.Value)))
        {
            Report(mapping.Children.Count == 0 ? keyNode.Start : mapping.Start, $"{label}thin.size is required: the pool's data size, absolute (e.g. 100Gi) or a share of the volume group (e.g. 90%)");
        }

        if (autogrowPercentKey is not null && !settings.Autogrow)
        {
            Report(autogrowPercentKey.Start, $"{label}thin.autogrowPercent has no effect with autogrow: false; remove one of them");
        }

        return _problems.Count == problemsBefore && pool is not null && size is not null
            ? settings with { Pool = pool, Size = size }
            : null;
    }

    private ThinPoolSize? ReadPoolSize(YamlNode value, string label)
    {
        if (value is YamlScalarNode { Value: { } text } && text.TrimEnd().EndsWith('%'))
        {
            var number = text.TrimEnd()[..^1].Trim();
            if (int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var percent) && percent is >= 1 and <= 100)
            {
                return ThinPoolSize.Percent(percent);
            }

            Report(value.Start, $"{label}thin.size as a share of the volume group must be a whole percentage from 1% to 100%, not '{text}'");
            return null;
        }

        if (ReadSize(value, label, "thin.size") is not { } bytes)
        {
            return null;
        }

        if (bytes < ThinPoolSettings.MinSizeBytes)
        {
            Report(value.Start, $"{label}thin.size must be at least {ByteSize.Format(ThinPoolSettings.MinSizeBytes)}, not {Text(value)}");
            return null;
        }

        return ThinPoolSize.Absolute(bytes);
    }

    private double? ReadRatio(YamlNode value, string label)
    {
        if (value is not YamlScalarNode { Value: { } text })
        {
            WrongKind(value, label, "thin.overprovisionRatio", "a number such as 5 or 2.5");
            return null;
        }

        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var ratio) || !double.IsFinite(ratio))
        {
            Report(value.Start, $"{label}thin.overprovisionRatio must be a number such as 5 or 2.5, not '{text}'");
            return null;
        }

        if (ratio < 1 || ratio > ThinPoolSettings.MaxOverprovisionRatio)
        {
            Report(value.Start, $"{label}thin.overprovisionRatio must be between 1 (no overcommit) and {ThinPoolSettings.MaxOverprovisionRatio:0}, not {text}");
            return null;
        }

        return ratio;
    }

    /// <summary>A percentage, written <c>80</c> or <c>80%</c>, from 1 to 100.</summary>
    private int? ReadPercent(YamlNode value, string label, string key)
    {
        if (value is not YamlScalarNode { Value: { } text })
        {
            WrongKind(value, label, key, "a percentage such as 80%");
            return null;
        }

        var number = text.Trim().TrimEnd('%');
        if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var percent) || percent is < 1 or > 100)
        {
            Report(value.Start, $"{label}{key} must be a whole percentage from 1% to 100%, not '{text}'");
            return null;
        }

        return percent;
    }

    /// <summary>
    /// Rules that span one node's classes: a volume group's disks are listed by one class (so it is
    /// clear which patterns feed it), a pattern feeds one volume group, and classes that share a thin
    /// pool agree on its settings.
    /// </summary>
    private void CheckVolumeGroupResources(List<ClassDraft> drafts)
    {
        var devicesByGroup = new Dictionary<string, ClassDraft>(StringComparer.Ordinal);
        var groupByPattern = new Dictionary<string, ClassDraft>(StringComparer.Ordinal);
        var pools = new Dictionary<(string, string), ClassDraft>();
        foreach (var draft in drafts.Where(d => d.VolumeGroup is not null))
        {
            var group = draft.VolumeGroup!;
            if (draft.Devices is { } devices)
            {
                if (!devicesByGroup.TryAdd(group, draft))
                {
                    var first = devicesByGroup[group];
                    Report(draft.DevicesMark, $"{draft.Label}: volume group '{group}' already gets its devices from {first.Label} (line {first.DevicesMark.Line}); list a volume group's devices in one class only");
                }

                foreach (var pattern in devices.Patterns)
                {
                    if (groupByPattern.TryGetValue(pattern.Text, out var other) && other.VolumeGroup != group)
                    {
                        Report(draft.DevicesMark, $"{draft.Label}: devices pattern '{pattern.Text}' is also listed for volume group '{other.VolumeGroup}' by {other.Label} (line {other.DevicesMark.Line}); a disk can join only one volume group");
                    }

                    groupByPattern.TryAdd(pattern.Text, draft);
                }
            }

            if (draft.Thin is { } thin)
            {
                if (!pools.TryAdd((group, thin.Pool), draft) && pools[(group, thin.Pool)] is var owner && owner.Thin != thin)
                {
                    Report(draft.ThinMark, $"{draft.Label}: thin pool '{group}/{thin.Pool}' is also the pool of {owner.Label} (line {owner.ThinMark.Line}) with other settings; classes sharing a pool must give it the same settings");
                }
            }
        }
    }
}
