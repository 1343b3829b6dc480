using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Stratum.Config;

/// <summary>
/// Maps a YAML document onto <see cref="StratumConfig"/> by hand (no reflection: the binary is
/// trimmed, and every problem needs its line and column), collecting every problem before failing.
/// A key whose value is YAML null (<c>key:</c>, <c>~</c>, <c>null</c>) counts as absent.
/// </summary>
internal sealed partial class ConfigReader
{
    /// <summary>Far more than the format needs (5), far less than what overflows YamlDotNet's recursion.</summary>
    private const int MaxNesting = 32;

    private const string EmptyFile =
        "the configuration is empty: it must be a mapping with a 'deviceClasses' list (see examples/config.yaml)";

    private static readonly string[] RootKeys = ["deviceClasses", "nodes", "capacityRefreshSeconds", "diskRescanSeconds", "gc", "gcGracePeriodSeconds", "gcIntervalSeconds"];
    private static readonly string[] ClassKeys = ["name", "volumeGroup", "default", "spare", "fsType", "lvcreate", "devices", "thin", "discardOnDelete"];
    private static readonly string[] LvCreateKeys = ["type", "stripes", "stripeSize", "mirrors", "extraOptions"];

    private const int MaxStripes = 128;
    private const int MaxMirrors = 63;
    private const long MinStripeSize = 4L << 10;
    private const long MaxStripeSize = 4L << 30;

    private readonly string _source;
    private readonly List<ConfigProblem> _problems = [];

    private ConfigReader(string source) => _source = source;

    /// <summary>Reads and validates <paramref name="yaml"/>, or throws a <see cref="ConfigException"/> listing every problem in file order.</summary>
    public static StratumConfig Read(string yaml, string source)
    {
        var reader = new ConfigReader(source);
        var config = reader.ReadStream(yaml);
        if (reader._problems.Count > 0 || config is null)
        {
            throw new ConfigException([.. reader._problems.OrderBy(p => p.Line).ThenBy(p => p.Column)]);
        }

        return config;
    }

    private StratumConfig? ReadStream(string yaml)
    {
        var stream = new YamlStream();
        var parser = new GuardedParser(new Parser(new StringReader(yaml)), MaxNesting);
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            Report(e.Start, "invalid YAML: " + Describe(e));
            return null;
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this (without a position) on some malformed input, e.g. an
            // unclosed '[' followed by more lines; the last event it did parse is the best position.
            Report(parser.LastGood, $"invalid YAML after this point (an unclosed bracket or quote?): {e.Message}");
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            Report(1, 1, EmptyFile);
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            Report(stream.Documents[1].RootNode.Start, "only one YAML document is allowed; remove this second one (after '---')");
        }

        var root = stream.Documents[0].RootNode;
        if (IsNull(root))
        {
            Report(root.Start, EmptyFile);
            return null;
        }

        if (root is not YamlMappingNode mapping)
        {
            Report(root.Start, $"the top level must be a mapping with a 'deviceClasses' list, not {Kind(root)}");
            return null;
        }

        return ReadRoot(mapping);
    }

    private StratumConfig? ReadRoot(YamlMappingNode root)
    {
        List<ClassDraft>? drafts = null;
        List<NodeDraft>? nodes = null;
        var refreshSeconds = StratumConfig.DefaultCapacityRefreshSeconds;
        var rescanSeconds = StratumConfig.DefaultDiskRescanSeconds;
        var gc = GcMode.Report;
        var gcGraceSeconds = StratumConfig.DefaultGcGracePeriodSeconds;
        var gcIntervalSeconds = StratumConfig.DefaultGcIntervalSeconds;
        var seenDeviceClasses = false;
        // With per-node sections, the top-level classes may be empty: nodes not listed then provision nothing.
        var hasNodes = root.Children.Any(entry => entry.Key is YamlScalarNode { Value: "nodes" } && entry.Value is YamlSequenceNode { Children.Count: > 0 });
        foreach (var (keyNode, value) in root.Children)
        {
            if (ReadKey(keyNode, string.Empty) is not { } key)
            {
                continue;
            }

            switch (key)
            {
                case "deviceClasses":
                    seenDeviceClasses = true;
                    drafts = ReadDeviceClasses(keyNode, value, string.Empty, allowEmpty: hasNodes);
                    break;
                case "nodes":
                    nodes = ReadNodes(keyNode, value);
                    break;
                case "capacityRefreshSeconds" when !IsNull(value):
                    refreshSeconds = ReadIntInRange(value, key, StratumConfig.MinCapacityRefreshSeconds, StratumConfig.MaxCapacityRefreshSeconds) ?? refreshSeconds;
                    break;
                case "diskRescanSeconds" when !IsNull(value):
                    rescanSeconds = ReadIntInRange(value, key, StratumConfig.MinDiskRescanSeconds, StratumConfig.MaxDiskRescanSeconds) ?? rescanSeconds;
                    break;
                case "gc" when !IsNull(value):
                    gc = ReadGcMode(value) ?? gc;
                    break;
                case "gcGracePeriodSeconds" when !IsNull(value):
                    gcGraceSeconds = ReadIntInRange(value, key, StratumConfig.MinGcGracePeriodSeconds, StratumConfig.MaxGcGracePeriodSeconds) ?? gcGraceSeconds;
                    break;
                case "gcIntervalSeconds" when !IsNull(value):
                    gcIntervalSeconds = ReadIntInRange(value, key, StratumConfig.MinGcIntervalSeconds, StratumConfig.MaxGcIntervalSeconds) ?? gcIntervalSeconds;
                    break;
                case "capacityRefreshSeconds" or "diskRescanSeconds" or "gc" or "gcGracePeriodSeconds" or "gcIntervalSeconds":
                    break;
                default:
                    UnknownKey(keyNode, key, string.Empty, "at the top level", RootKeys, ClassKeys, "device classes go in a list under 'deviceClasses'");
                    break;
            }
        }

        if (!seenDeviceClasses && !hasNodes)
        {
            Report(root.Start, "'deviceClasses' is required: list at least one device class");
        }

        if (_problems.Count > 0 || (drafts is null && !hasNodes))
        {
            return null;
        }

        drafts ??= [];
        return new StratumConfig
        {
            DeviceClasses = Build(drafts),
            Nodes = [.. (nodes ?? []).Select(n => n.Build(_source, Build(n.Classes)))],
            CapacityRefreshSeconds = refreshSeconds,
            DiskRescanSeconds = rescanSeconds,
            Gc = gc,
            GcGracePeriodSeconds = gcGraceSeconds,
            GcIntervalSeconds = gcIntervalSeconds,
            Source = _source,
        };
    }

    private static List<DeviceClass> Build(List<ClassDraft> drafts)
    {
        var implicitDefault = drafts.Count == 1;
        return [.. drafts.Select(d => d.Build(implicitDefault))];
    }

    private GcMode? ReadGcMode(YamlNode value)
    {
        if (ReadString(value, string.Empty, "gc") is not { } name)
        {
            return null;
        }

        if (GcModes.TryParse(name, out var mode))
        {
            return mode;
        }

        var names = GcModes.All.Select(m => m.ToName()).ToList();
        Report(value.Start, $"gc must be one of {string.Join(", ", names)}, not '{name}'{CaseHint(name, names)}");
        return null;
    }

    private int? ReadIntInRange(YamlNode value, string key, int min, int max)
    {
        if (ReadInt(value, string.Empty, key) is not { } number)
        {
            return null;
        }

        if (number < min || number > max)
        {
            Report(value.Start, $"{key} must be between {min} and {max}, not {number}");
            return null;
        }

        return number;
    }

    /// <summary>
    /// Reads one list of device classes (the top-level one, or a node section's, whose problems are
    /// prefixed with <paramref name="context"/>) and checks the rules that span its classes.
    /// </summary>
    private List<ClassDraft>? ReadDeviceClasses(YamlNode keyNode, YamlNode value, string context, bool allowEmpty)
    {
        if (IsNull(value) || value is YamlSequenceNode { Children.Count: 0 })
        {
            if (!allowEmpty)
            {
                Report(IsNull(value) ? keyNode.Start : value.Start, $"{context}deviceClasses must list at least one device class");
                return null;
            }

            return [];
        }

        if (value is not YamlSequenceNode sequence)
        {
            Report(value.Start, $"{context}deviceClasses must be a list of device classes, not {Kind(value)}");
            return null;
        }

        var drafts = new List<ClassDraft>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            if (item is YamlMappingNode mapping)
            {
                drafts.Add(ReadDeviceClass(mapping, i, context));
            }
            else
            {
                Report(item.Start, $"{context}device class #{i + 1} must be a mapping (name, volumeGroup, ...), not {Kind(item)}");
            }
        }

        CheckUniqueNames(drafts);
        CheckDefault(drafts, sequence.Children.Count, keyNode, context);
        CheckVolumeGroupResources(drafts);
        return drafts;
    }

    private ClassDraft ReadDeviceClass(YamlMappingNode mapping, int index, string context)
    {
        var nameNode = mapping.Children.FirstOrDefault(entry => entry.Key is YamlScalarNode { Value: "name" }).Value;
        var name = nameNode is YamlScalarNode { Value: { Length: > 0 } text } && !IsNull(nameNode) ? text : null;
        var draft = new ClassDraft(context + (name is null ? $"device class #{index + 1}" : $"device class '{name}'"));
        var label = draft.Label + ": ";
        var seenName = false;
        var seenVolumeGroup = false;

        foreach (var (keyNode, value) in mapping.Children)
        {
            if (ReadKey(keyNode, label) is not { } key)
            {
                continue;
            }

            if (!ClassKeys.Contains(key, StringComparer.Ordinal))
            {
                if (ThinKeys.Contains(key, StringComparer.Ordinal) && !LvCreateKeys.Contains(key, StringComparer.Ordinal))
                {
                    UnknownKey(keyNode, key, label, string.Empty, ClassKeys, ThinKeys, "it belongs under 'thin'");
                }
                else
                {
                    UnknownKey(keyNode, key, label, string.Empty, ClassKeys, LvCreateKeys, "it belongs under 'lvcreate'");
                }

                continue;
            }

            seenName |= key == "name";
            seenVolumeGroup |= key == "volumeGroup";
            if (IsNull(value))
            {
                if (key is "name" or "volumeGroup")
                {
                    Report(keyNode.Start, $"{label}{key} must not be empty");
                }

                continue;
            }

            switch (key)
            {
                case "name":
                    if (ReadString(value, label, key) is { } className)
                    {
                        draft.Name = className;
                        draft.NameMark = value.Start;
                        if (!Names.IsDeviceClassName(className))
                        {
                            Report(value.Start, className.Length == 0
                                ? $"{label}name must not be empty"
                                : $"{label}name '{className}' is invalid: use 1-{Names.MaxDeviceClassNameLength} lowercase letters, digits, '-' or '.', starting and ending with a letter or digit");
                        }
                    }

                    break;
                case "volumeGroup":
                    if (ReadString(value, label, key) is { } volumeGroup)
                    {
                        draft.VolumeGroup = volumeGroup;
                        CheckVolumeGroup(value, label, volumeGroup);
                    }

                    break;
                case "default":
                    if (ReadBool(value, label, key) is { } isDefault)
                    {
                        draft.IsDefault = isDefault;
                        draft.DefaultMark = value.Start;
                    }

                    break;
                case "spare":
                    if (ReadSize(value, label, key) is { } spare)
                    {
                        draft.SpareBytes = spare;
                    }

                    break;
                case "fsType":
                    if (ReadString(value, label, key) is { } fsName)
                    {
                        if (FileSystemTypes.TryParse(fsName, out var fsType))
                        {
                            draft.FsType = fsType;
                        }
                        else
                        {
                            Report(value.Start, $"{label}fsType must be one of {string.Join(", ", FileSystemTypes.All.Select(t => t.ToName()))}, not '{fsName}'{CaseHint(fsName, FileSystemTypes.All.Select(t => t.ToName()))}");
                        }
                    }

                    break;
                case "lvcreate":
                    draft.LvCreate = ReadLvCreate(value, label);
                    draft.LvCreateMark = keyNode.Start;
                    break;
                case "devices":
                    draft.Devices = ReadDevices(value, label);
                    draft.DevicesMark = keyNode.Start;
                    break;
                case "thin":
                    draft.Thin = ReadThin(keyNode, value, label);
                    draft.ThinMark = keyNode.Start;
                    break;
                case "discardOnDelete":
                    if (ReadBool(value, label, key) is { } discard)
                    {
                        draft.DiscardOnDelete = discard;
                    }

                    break;
            }
        }

        if (draft.Thin is not null && draft.LvCreate.Type != LvType.Linear)
        {
            Report(draft.LvCreateMark, $"{label}lvcreate.type {draft.LvCreate.Type.ToName()} is for thick classes; a thin class's volumes take their layout from pool '{draft.Thin.Pool}'");
        }

        if (!seenName)
        {
            Report(mapping.Start, $"{label}'name' is required");
        }

        if (!seenVolumeGroup)
        {
            Report(mapping.Start, $"{label}'volumeGroup' is required");
        }

        return draft;
    }

    private void CheckVolumeGroup(YamlNode value, string label, string volumeGroup)
    {
        if (volumeGroup.Length == 0)
        {
            Report(value.Start, $"{label}volumeGroup must not be empty");
        }
        else if (volumeGroup.Length > Names.MaxVolumeGroupNameLength)
        {
            Report(value.Start, $"{label}volumeGroup must be at most {Names.MaxVolumeGroupNameLength} characters (it is part of every volume id, which CSI limits to 128 bytes), not {volumeGroup.Length}");
        }
        else if (!Names.IsVolumeGroupName(volumeGroup))
        {
            Report(value.Start, $"{label}volumeGroup '{volumeGroup}' is not a valid LVM volume group name: use letters, digits, '+', '_', '.' and '-', not starting with '-', and not '.' or '..'");
        }
    }

    private LvCreateSettings ReadLvCreate(YamlNode node, string label)
    {
        if (node is not YamlMappingNode mapping)
        {
            Report(node.Start, $"{label}lvcreate must be a mapping (type, stripes, stripeSize, mirrors, extraOptions), not {Kind(node)}");
            return LvCreateSettings.Default;
        }

        var type = LvType.Linear;
        YamlNode? typeNode = null;
        // Keys are kept apart from values: a present but invalid value must not also count as missing.
        YamlNode? stripesKey = null, stripeSizeKey = null, mirrorsKey = null;
        int? stripes = null, mirrors = null;
        long? stripeSize = null;
        YamlSequenceNode? extraOptions = null;

        foreach (var (keyNode, value) in mapping.Children)
        {
            if (ReadKey(keyNode, label) is not { } key)
            {
                continue;
            }

            if (!LvCreateKeys.Contains(key, StringComparer.Ordinal))
            {
                UnknownKey(keyNode, key, label, " in lvcreate", LvCreateKeys, ClassKeys, "it belongs to the device class, not under 'lvcreate'");
                continue;
            }

            if (IsNull(value))
            {
                continue;
            }

            switch (key)
            {
                case "type":
                    if (ReadString(value, label, key) is { } typeName)
                    {
                        typeNode = value;
                        if (LvTypes.TryParse(typeName, out var parsed))
                        {
                            type = parsed;
                        }
                        else
                        {
                            var names = LvTypes.All.Select(t => t.ToName());
                            Report(value.Start, $"{label}type must be one of {string.Join(", ", names)}, not '{typeName}'{CaseHint(typeName, names)}");
                        }
                    }

                    break;
                case "stripes":
                    stripesKey = keyNode;
                    if (ReadInt(value, label, key) is { } stripeCount)
                    {
                        stripes = stripeCount;
                        if (stripeCount < 2)
                        {
                            Report(value.Start, $"{label}stripes must be at least 2 for type striped, not {stripeCount}");
                        }
                        else if (stripeCount > MaxStripes)
                        {
                            Report(value.Start, $"{label}stripes must be at most {MaxStripes} (the LVM limit), not {stripeCount}");
                        }
                    }

                    break;
                case "stripeSize":
                    stripeSizeKey = keyNode;
                    if (ReadSize(value, label, key) is { } size)
                    {
                        stripeSize = size;
                        if (size < MinStripeSize || size > MaxStripeSize || (size & (size - 1)) != 0)
                        {
                            Report(value.Start, $"{label}stripeSize must be a power of two between 4Ki and 4Gi (e.g. 64Ki), not {Text(value)} ({size} bytes)");
                        }
                    }

                    break;
                case "mirrors":
                    mirrorsKey = keyNode;
                    if (ReadInt(value, label, key) is { } mirrorCount)
                    {
                        mirrors = mirrorCount;
                        if (mirrorCount is < 1 or > MaxMirrors)
                        {
                            Report(value.Start, $"{label}mirrors must be between 1 and {MaxMirrors} (extra copies besides the original), not {mirrorCount}");
                        }
                    }

                    break;
                case "extraOptions":
                    if (value is YamlSequenceNode sequence)
                    {
                        extraOptions = sequence;
                    }
                    else
                    {
                        Report(value.Start, $"{label}extraOptions must be a list of lvcreate arguments, e.g. [\"--alloc\", \"cling\"], not {Kind(value)}");
                    }

                    break;
            }
        }

        CheckBelongsToType(stripesKey, "stripes", LvType.Striped, type, label);
        CheckBelongsToType(stripeSizeKey, "stripeSize", LvType.Striped, type, label);
        CheckBelongsToType(mirrorsKey, "mirrors", LvType.Raid1, type, label);
        if (type == LvType.Striped && stripesKey is null)
        {
            Report(typeNode!.Start, $"{label}type striped needs 'stripes' (at least 2)");
        }

        return new LvCreateSettings
        {
            Type = type,
            Stripes = type == LvType.Striped ? stripes : null,
            StripeSizeBytes = type == LvType.Striped ? stripeSize : null,
            Mirrors = type == LvType.Raid1 ? mirrors ?? 1 : null,
            ExtraOptions = extraOptions is null ? [] : ReadExtraOptions(extraOptions, type, label),
        };
    }

    private void CheckBelongsToType(YamlNode? key, string name, LvType owner, LvType type, string label)
    {
        if (key is not null && type != owner)
        {
            Report(key.Start, $"{label}{name} is only allowed with type {owner.ToName()} (type is {type.ToName()})");
        }
    }

    private IReadOnlyList<string> ReadExtraOptions(YamlSequenceNode sequence, LvType type, string label)
    {
        var items = new List<string?>();
        foreach (var item in sequence.Children)
        {
            if (item is YamlScalarNode scalar)
            {
                items.Add(IsNull(scalar) ? null : scalar.Value);
            }
            else
            {
                // Keep the indices aligned; the placeholder is reported here, not by the allow-list.
                Report(item.Start, $"{label}extraOptions items must be strings, not {Kind(item)}");
                items.Add("--");
            }
        }

        var problemsBefore = _problems.Count;
        var arguments = LvCreateOptions.Check(items, type, (index, message) =>
        {
            if (sequence.Children[index] is YamlScalarNode)
            {
                Report(sequence.Children[index].Start, label + message);
            }
        });
        return _problems.Count == problemsBefore ? arguments : [];
    }

    private void CheckUniqueNames(List<ClassDraft> drafts)
    {
        var byName = new Dictionary<string, ClassDraft>(StringComparer.Ordinal);
        foreach (var draft in drafts)
        {
            if (draft.Name is { Length: > 0 } name && !byName.TryAdd(name, draft))
            {
                Report(draft.NameMark, $"{draft.Label}: name is already used by the device class at line {byName[name].NameMark.Line}; names must be unique");
            }
        }
    }

    /// <summary>
    /// Exactly one default: explicit when there are two or more classes, implicit when there is one
    /// (which then must not say <c>default: false</c>).
    /// </summary>
    private void CheckDefault(List<ClassDraft> drafts, int itemCount, YamlNode deviceClassesKey, string context)
    {
        var defaults = drafts.Where(d => d.IsDefault == true).ToList();
        if (itemCount == 1 && drafts.Count == 1 && drafts[0].IsDefault == false)
        {
            Report(drafts[0].DefaultMark, $"{drafts[0].Label}: the only device class is always the default; remove 'default: false'");
        }
        else if (itemCount >= 2 && defaults.Count == 0)
        {
            Report(deviceClassesKey.Start, $"{context}deviceClasses: exactly one device class must say 'default: true' when there are two or more; none does");
        }

        foreach (var extra in defaults.Skip(1))
        {
            Report(extra.DefaultMark, $"{extra.Label}: only one device class may be the default, and {defaults[0].Label} (line {defaults[0].DefaultMark.Line}) already is");
        }
    }

    private string? ReadKey(YamlNode keyNode, string label)
    {
        if (keyNode is YamlScalarNode { Value: { Length: > 0 } key } && !IsNull(keyNode))
        {
            return key;
        }

        Report(keyNode.Start, $"{label}keys must be plain names, not {Kind(keyNode)}");
        return null;
    }

    private void UnknownKey(YamlNode keyNode, string key, string label, string where, string[] known, string[] otherLevel, string otherLevelHint)
    {
        var hint = otherLevel.Contains(key, StringComparer.Ordinal) ? otherLevelHint
            : KeySuggester.Suggest(key, known) is { } suggestion ? $"did you mean '{suggestion}'?"
            : "expected one of " + string.Join(", ", known);
        var message = label.Length == 0 ? $"unknown key '{key}' {where}; {hint}" : $"{label}unknown key '{key}'{where}; {hint}";
        Report(keyNode.Start, message);
    }

    private string? ReadString(YamlNode node, string label, string key) =>
        node is YamlScalarNode scalar ? scalar.Value ?? string.Empty : WrongKind(node, label, key, "a string");

    private bool? ReadBool(YamlNode node, string label, string key)
    {
        if (node is not YamlScalarNode scalar)
        {
            WrongKind(node, label, key, "true or false");
            return null;
        }

        switch (scalar.Value)
        {
            case "true" or "True" or "TRUE":
                return true;
            case "false" or "False" or "FALSE":
                return false;
            default:
                Report(node.Start, $"{label}{key} must be true or false, not '{scalar.Value}'");
                return null;
        }
    }

    private int? ReadInt(YamlNode node, string label, string key)
    {
        if (node is not YamlScalarNode scalar)
        {
            WrongKind(node, label, key, "a whole number");
            return null;
        }

        if (int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Report(node.Start, $"{label}{key} must be a whole number, not '{scalar.Value}'");
        return null;
    }

    private long? ReadSize(YamlNode node, string label, string key)
    {
        if (node is not YamlScalarNode scalar)
        {
            WrongKind(node, label, key, "a size such as 1Gi");
            return null;
        }

        var text = scalar.Value ?? string.Empty;
        if (text.TrimStart().StartsWith('-'))
        {
            Report(node.Start, $"{label}{key} must not be negative, not '{text}'");
            return null;
        }

        if (!ByteSize.TryParse(text, out var bytes, out var error))
        {
            Report(node.Start, $"{label}{key}: {error}");
            return null;
        }

        return bytes;
    }

    private string? WrongKind(YamlNode node, string label, string key, string expected)
    {
        Report(node.Start, $"{label}{key} must be {expected}, not {Kind(node)}");
        return null;
    }

    private void Report(Mark at, string message) => Report(at.Line, at.Column, message);

    private void Report(long line, long column, string message) =>
        _problems.Add(new ConfigProblem(_source, (int)line, (int)column, message));

    private static string CaseHint(string value, IEnumerable<string> allowed) =>
        allowed.FirstOrDefault(a => string.Equals(a, value, StringComparison.OrdinalIgnoreCase)) is { } match
            ? $"; did you mean '{match}'?"
            : string.Empty;

    /// <summary>YAML null: an empty or <c>~</c>/<c>null</c> plain scalar (quoted ones are strings).</summary>
    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string Text(YamlNode node) => node is YamlScalarNode scalar ? scalar.Value ?? string.Empty : string.Empty;

    private static string Kind(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ when IsNull(node) => "an empty value",
        YamlScalarNode scalar => $"the value '{scalar.Value}'",
        _ => "a " + node.NodeType.ToString().ToLowerInvariant(),
    };

    private static string Describe(YamlException exception) =>
        exception.Message.StartsWith("Duplicate key ", StringComparison.Ordinal)
            ? $"key '{exception.Message["Duplicate key ".Length..]}' appears twice in the same mapping"
            : exception.Message;

    /// <summary>A device class as read so far, with the positions the cross-class rules report at.</summary>
    private sealed class ClassDraft(string label)
    {
        public string Label { get; } = label;
        public string? Name { get; set; }
        public Mark NameMark { get; set; }
        public string? VolumeGroup { get; set; }
        public bool? IsDefault { get; set; }
        public Mark DefaultMark { get; set; }
        public long SpareBytes { get; set; }

        public bool DiscardOnDelete { get; set; } = true;
        public FileSystemType FsType { get; set; } = FileSystemType.Ext4;
        public LvCreateSettings LvCreate { get; set; } = LvCreateSettings.Default;
        public Mark LvCreateMark { get; set; }
        public DevicePatterns? Devices { get; set; }
        public Mark DevicesMark { get; set; }
        public ThinPoolSettings? Thin { get; set; }
        public Mark ThinMark { get; set; }

        public DeviceClass Build(bool implicitDefault) => new()
        {
            Name = Name!,
            VolumeGroup = VolumeGroup!,
            IsDefault = IsDefault ?? implicitDefault,
            SpareBytes = SpareBytes,
            DiscardOnDelete = DiscardOnDelete,
            FsType = FsType,
            LvCreate = LvCreate,
            Devices = Devices,
            Thin = Thin,
        };
    }
}
