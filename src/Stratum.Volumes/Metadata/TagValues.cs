using System.Globalization;
using Stratum.Lvm;

namespace Stratum.Volumes.Metadata;

/// <summary>
/// The tags of one LV of Stratum's, read the way volumes and snapshots are: the state, and the one
/// value each single-valued key may carry. Reading fails (null) when a key carries two values: LVM
/// keeps tags as a set, so only a hand-made change can do that, and which value is right cannot be
/// told. A value that does not decode marks the whole as <see cref="Damaged"/>.
/// </summary>
internal sealed class TagValues
{
    private const string StateKey = "stratum/state=";

    private readonly Dictionary<string, string> _values;

    private TagValues(Dictionary<string, string> values, VolumeState state)
    {
        _values = values;
        State = state;
    }

    /// <summary>
    /// The state tag's meaning. An LV without one counts as <see cref="VolumeState.Ready"/> (it
    /// predates the tag); an unknown state, or more than one, is an unfinished change:
    /// <see cref="VolumeState.Creating"/>, never served.
    /// </summary>
    public VolumeState State { get; }

    /// <summary>Whether a value read so far did not decode.</summary>
    public bool Damaged { get; private set; }

    /// <summary>Reads <paramref name="tags"/>; null when one of <paramref name="keys"/> has two values.</summary>
    public static TagValues? Read(TagSet tags, IReadOnlyList<string> keys)
    {
        var state = VolumeState.Ready;
        var states = 0;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            if (tag.StartsWith(StateKey, StringComparison.Ordinal))
            {
                states++;
                state = tag switch
                {
                    VolumeMetadata.CreatingTag => VolumeState.Creating,
                    VolumeMetadata.ReadyTag => VolumeState.Ready,
                    VolumeMetadata.DeletingTag => VolumeState.Deleting,
                    _ => VolumeState.Creating,
                };
            }
            else if (keys.FirstOrDefault(k => tag.StartsWith(k, StringComparison.Ordinal)) is { } key
                && !values.TryAdd(key, tag[key.Length..]))
            {
                return null;
            }
        }

        return new TagValues(values, states > 1 ? VolumeState.Creating : state);
    }

    /// <summary>The value of <paramref name="key"/> as written, or null when there is none.</summary>
    public string? Raw(string key) => _values.GetValueOrDefault(key);

    /// <summary>The decoded (<see cref="LvmTagCodec"/>) value of <paramref name="key"/>, or null when there is none.</summary>
    public string? Text(string key)
    {
        if (Raw(key) is not { } raw)
        {
            return null;
        }

        Damaged |= !LvmTagCodec.TryDecode(raw, out var value);
        return value;
    }

    /// <summary>The value of <paramref name="key"/> as a non-negative number, or null when there is none.</summary>
    public long? Number(string key)
    {
        if (Raw(key) is not { } raw)
        {
            return null;
        }

        Damaged |= !long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value);
        return value;
    }
}
