using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Stratum.Config;

/// <summary>
/// Wraps YamlDotNet's parser to give the representation model only input it handles well:
/// <list type="bullet">
/// <item>it refuses absurdly deep nesting (the model recurses per level, so a few hundred thousand
/// '[' would overflow the stack and kill the process);</item>
/// <item>it reports an alias to an undefined anchor where the alias is (the model reports it at 1:1);</item>
/// <item>it remembers where it last was, for errors YamlDotNet raises without a position.</item>
/// </list>
/// </summary>
internal sealed class GuardedParser(IParser inner, int maxDepth) : IParser
{
    private readonly HashSet<string> _anchors = new(StringComparer.Ordinal);
    private int _depth;

    public ParsingEvent? Current => inner.Current;

    /// <summary>The end of the last event parsed successfully (1:1 before the first).</summary>
    public Mark LastGood { get; private set; } = Mark.Empty;

    public bool MoveNext()
    {
        if (!inner.MoveNext())
        {
            return false;
        }

        var current = inner.Current!;
        _depth += current.NestingIncrease;
        if (_depth > maxDepth)
        {
            throw new YamlException(current.Start, current.End, $"nesting is deeper than {maxDepth} levels");
        }

        switch (current)
        {
            case NodeEvent { Anchor.IsEmpty: false } node:
                _anchors.Add(node.Anchor.Value);
                break;
            case AnchorAlias alias when !_anchors.Contains(alias.Value.Value):
                throw new YamlException(current.Start, current.End, $"alias '*{alias.Value.Value}' refers to no anchor '&{alias.Value.Value}' defined before it");
            case DocumentEnd:
                _anchors.Clear();
                break;
        }

        LastGood = current.End;
        return true;
    }
}
