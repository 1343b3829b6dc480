using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Stratum.Config;

/// <summary>The <c>nodes</c> list: per-node sections by name or label selector.</summary>
internal sealed partial class ConfigReader
{
    private static readonly string[] NodeKeys = ["name", "selector", "deviceClasses"];
    private static readonly string[] SelectorKeys = ["matchLabels", "matchExpressions"];
    private static readonly string[] RequirementKeys = ["key", "operator", "values"];
    private static readonly SelectorOperator[] Operators = [SelectorOperator.In, SelectorOperator.NotIn, SelectorOperator.Exists, SelectorOperator.DoesNotExist];

    private List<NodeDraft>? ReadNodes(YamlNode keyNode, YamlNode value)
    {
        if (IsNull(value))
        {
            return null;
        }

        if (value is not YamlSequenceNode sequence)
        {
            Report(value.Start, $"nodes must be a list of node sections (each with 'name' or 'selector', and 'deviceClasses'), not {Kind(value)}");
            return null;
        }

        var nodes = new List<NodeDraft>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            if (item is YamlMappingNode mapping)
            {
                if (ReadNode(mapping, i) is { } node)
                {
                    nodes.Add(node);
                }
            }
            else
            {
                Report(item.Start, $"nodes entry #{i + 1} must be a mapping (name or selector, and deviceClasses), not {Kind(item)}");
            }
        }

        CheckUniqueNodes(nodes);
        return nodes;
    }

    private NodeDraft? ReadNode(YamlMappingNode mapping, int index)
    {
        var nameNode = mapping.Children.FirstOrDefault(entry => entry.Key is YamlScalarNode { Value: "name" }).Value;
        var context = nameNode is YamlScalarNode { Value: { Length: > 0 } shown } && !IsNull(nameNode)
            ? $"node '{shown}': "
            : $"nodes entry #{index + 1}: ";
        string? name = null;
        LabelSelector? selector = null;
        YamlNode? nameKey = null, selectorKey = null;
        List<ClassDraft>? classes = null;
        var seenClasses = false;
        var problemsBefore = _problems.Count;

        foreach (var (keyNode, value) in mapping.Children)
        {
            if (ReadKey(keyNode, context) is not { } key)
            {
                continue;
            }

            switch (key)
            {
                case "name":
                    nameKey = keyNode;
                    if (IsNull(value))
                    {
                        Report(keyNode.Start, $"{context}name must not be empty");
                    }
                    else if (ReadString(value, context, key) is { } text)
                    {
                        if (Names.IsNodeName(text))
                        {
                            name = text;
                        }
                        else
                        {
                            Report(value.Start, $"{context}name '{text}' is not a valid node name: use 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
                        }
                    }

                    break;
                case "selector":
                    selectorKey = keyNode;
                    selector = ReadSelector(keyNode, value, context);
                    break;
                case "deviceClasses":
                    seenClasses = true;
                    classes = ReadDeviceClasses(keyNode, value, context, allowEmpty: true);
                    break;
                default:
                    UnknownKey(keyNode, key, context, " in a nodes entry", NodeKeys, ClassKeys, "device classes go in a list under this entry's 'deviceClasses'");
                    break;
            }
        }

        if (nameKey is not null && selectorKey is not null)
        {
            Report(selectorKey.Start, $"{context}give either 'name' or 'selector', not both");
        }
        else if (nameKey is null && selectorKey is null)
        {
            Report(mapping.Start, $"{context}'name' or 'selector' is required: which node(s) this entry is for");
        }

        if (!seenClasses)
        {
            Report(mapping.Start, $"{context}'deviceClasses' is required (write 'deviceClasses: []' for nodes that must not provision volumes)");
        }

        return _problems.Count == problemsBefore && classes is not null
            ? new NodeDraft(name, selector, classes, (nameKey ?? selectorKey)!.Start, mapping.Start)
            : null;
    }

    private LabelSelector? ReadSelector(YamlNode keyNode, YamlNode value, string context)
    {
        if (value is not YamlMappingNode mapping)
        {
            Report(IsNull(value) ? keyNode.Start : value.Start, $"{context}selector must be a mapping with matchLabels and/or matchExpressions, not {Kind(value)}");
            return null;
        }

        var problemsBefore = _problems.Count;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var expressions = new List<SelectorRequirement>();
        foreach (var (entryKey, entryValue) in mapping.Children)
        {
            if (ReadKey(entryKey, context) is not { } key)
            {
                continue;
            }

            switch (key)
            {
                case "matchLabels" when IsNull(entryValue):
                    break;
                case "matchLabels" when entryValue is YamlMappingNode pairs:
                    foreach (var (labelKey, labelValue) in pairs.Children)
                    {
                        if (ReadLabelKey(labelKey, context) is { } k && ReadLabelValue(labelValue, context, k) is { } v)
                        {
                            labels[k] = v;
                        }
                    }

                    break;
                case "matchLabels":
                    Report(entryValue.Start, $"{context}selector.matchLabels must be a mapping of label keys to values, not {Kind(entryValue)}");
                    break;
                case "matchExpressions" when IsNull(entryValue):
                    break;
                case "matchExpressions" when entryValue is YamlSequenceNode items:
                    foreach (var item in items.Children)
                    {
                        if (ReadRequirement(item, context) is { } requirement)
                        {
                            expressions.Add(requirement);
                        }
                    }

                    break;
                case "matchExpressions":
                    Report(entryValue.Start, $"{context}selector.matchExpressions must be a list of {{key, operator, values}}, not {Kind(entryValue)}");
                    break;
                default:
                    UnknownKey(entryKey, key, context, " in selector", SelectorKeys, [], string.Empty);
                    break;
            }
        }

        if (_problems.Count > problemsBefore)
        {
            return null;
        }

        if (labels.Count == 0 && expressions.Count == 0)
        {
            Report(keyNode.Start, $"{context}selector is empty and would match every node; give matchLabels or matchExpressions (the top-level deviceClasses are for every other node)");
            return null;
        }

        return new LabelSelector { MatchLabels = labels, MatchExpressions = expressions };
    }

    private SelectorRequirement? ReadRequirement(YamlNode item, string context)
    {
        if (item is not YamlMappingNode mapping)
        {
            Report(item.Start, $"{context}matchExpressions items must be mappings {{key, operator, values}}, not {Kind(item)}");
            return null;
        }

        var problemsBefore = _problems.Count;
        string? key = null;
        SelectorOperator? op = null;
        YamlNode? valuesNode = null;
        var values = new List<string>();
        foreach (var (entryKey, entryValue) in mapping.Children)
        {
            if (ReadKey(entryKey, context) is not { } name)
            {
                continue;
            }

            switch (name)
            {
                case "key":
                    key = ReadLabelKey(entryValue, context);
                    break;
                case "operator":
                    if (ReadString(entryValue, context, "operator") is { } text)
                    {
                        if (EnumNames.TryParse(Operators, o => o.ToString(), text, out var parsed))
                        {
                            op = parsed;
                        }
                        else
                        {
                            var known = Operators.Select(o => o.ToString()).ToList();
                            Report(entryValue.Start, $"{context}operator must be one of {string.Join(", ", known)}, not '{text}'{CaseHint(text, known)}");
                        }
                    }

                    break;
                case "values":
                    valuesNode = entryValue;
                    if (IsNull(entryValue))
                    {
                        break;
                    }

                    if (entryValue is not YamlSequenceNode list)
                    {
                        Report(entryValue.Start, $"{context}values must be a list of label values, not {Kind(entryValue)}");
                        break;
                    }

                    foreach (var v in list.Children)
                    {
                        if (ReadLabelValue(v, context, key ?? "values") is { } member)
                        {
                            values.Add(member);
                        }
                    }

                    break;
                default:
                    UnknownKey(entryKey, name, context, " in matchExpressions", RequirementKeys, [], string.Empty);
                    break;
            }
        }

        if (_problems.Count > problemsBefore)
        {
            return null;
        }

        if (key is null || op is null)
        {
            Report(mapping.Start, $"{context}a matchExpressions item needs 'key' and 'operator'");
            return null;
        }

        var needsValues = op is SelectorOperator.In or SelectorOperator.NotIn;
        if (needsValues && values.Count == 0)
        {
            Report((valuesNode ?? mapping).Start, $"{context}operator {op} needs at least one value in 'values'");
            return null;
        }

        if (!needsValues && values.Count > 0)
        {
            Report(valuesNode!.Start, $"{context}operator {op} takes no 'values'");
            return null;
        }

        return new SelectorRequirement { Key = key, Operator = op.Value, Values = values };
    }

    private string? ReadLabelKey(YamlNode node, string context)
    {
        if (ReadString(node, context, "label key") is not { } key)
        {
            return null;
        }

        if (!Names.IsLabelKey(key))
        {
            Report(node.Start, $"{context}'{key}' is not a valid label key: an optional DNS prefix and '/', then 1-63 letters, digits, '-', '_' or '.' starting and ending with a letter or digit");
            return null;
        }

        return key;
    }

    private string? ReadLabelValue(YamlNode node, string context, string key)
    {
        if (node is not YamlScalarNode scalar)
        {
            return WrongKind(node, context, $"the value of label '{key}'", "a string");
        }

        var value = IsNull(node) ? string.Empty : scalar.Value ?? string.Empty;
        if (!Names.IsLabelValue(value))
        {
            Report(node.Start, $"{context}'{value}' is not a valid value for label '{key}': at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
            return null;
        }

        return value;
    }

    private void CheckUniqueNodes(List<NodeDraft> nodes)
    {
        var byName = new Dictionary<string, NodeDraft>(StringComparer.Ordinal);
        var selectors = new List<NodeDraft>();
        foreach (var node in nodes)
        {
            if (node.Name is { } name && !byName.TryAdd(name, node))
            {
                Report(node.KeyMark, $"node '{name}' is already listed at line {byName[name].KeyMark.Line}; each node may be listed once");
            }

            if (node.Selector is { } selector)
            {
                if (selectors.FirstOrDefault(s => s.Selector!.Equals(selector)) is { } same)
                {
                    Report(node.KeyMark, $"nodes entry with selector '{selector}' repeats the selector at line {same.KeyMark.Line}; each selector may be listed once");
                }

                selectors.Add(node);
            }
        }
    }

    /// <summary>A nodes entry as read, with where it is.</summary>
    private sealed record NodeDraft(string? Name, LabelSelector? Selector, List<ClassDraft> Classes, Mark KeyMark, Mark Start)
    {
        public NodeSection Build(string source, List<DeviceClass> classes) => new()
        {
            Name = Name,
            Selector = Selector,
            DeviceClasses = classes,
            Source = source,
            Line = (int)Start.Line,
            Column = (int)Start.Column,
        };
    }
}
