using System.Collections;
using System.Collections.Immutable;

namespace Stratum.Lvm;

/// <summary>
/// The tags on an LVM object: an immutable set kept in ordinal order (as LVM prints them), with
/// value equality, so records holding one compare sensibly.
/// </summary>
public sealed class TagSet : IReadOnlyList<string>, IEquatable<TagSet>
{
    private readonly ImmutableArray<string> _tags;

    private TagSet(ImmutableArray<string> sortedDistinct) => _tags = sortedDistinct;

    /// <summary>The empty set.</summary>
    public static TagSet Empty { get; } = new([]);

    /// <inheritdoc />
    public int Count => _tags.Length;

    /// <inheritdoc />
    public string this[int index] => _tags[index];

    /// <summary>Creates a set from any tags (duplicates collapse; order does not matter).</summary>
    public static TagSet From(IEnumerable<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var sorted = tags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
        return sorted.IsEmpty ? Empty : new TagSet(sorted);
    }

    /// <summary>Parses LVM's report form, a comma-separated list (tags cannot contain commas).</summary>
    public static TagSet ParseLvmList(string? list) =>
        string.IsNullOrEmpty(list) ? Empty : From(list.Split(',', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Whether the set holds <paramref name="tag"/> (ordinal comparison).</summary>
    public bool Contains(string tag) => _tags.BinarySearch(tag, StringComparer.Ordinal) >= 0;

    /// <inheritdoc />
    public ImmutableArray<string>.Enumerator GetEnumerator() => _tags.GetEnumerator();

    IEnumerator<string> IEnumerable<string>.GetEnumerator() => ((IEnumerable<string>)_tags).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable)_tags).GetEnumerator();

    /// <inheritdoc />
    public bool Equals(TagSet? other) => other is not null && _tags.AsSpan().SequenceEqual(other._tags.AsSpan());

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TagSet);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var tag in _tags)
        {
            hash.Add(tag, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    /// <summary>Value equality.</summary>
    public static bool operator ==(TagSet? left, TagSet? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(TagSet? left, TagSet? right) => !(left == right);

    /// <summary>The LVM form: tags joined with commas.</summary>
    public override string ToString() => string.Join(',', _tags);
}
