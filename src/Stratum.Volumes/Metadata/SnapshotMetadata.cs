using System.Globalization;
using Stratum.Lvm;

namespace Stratum.Volumes.Metadata;

/// <summary>
/// What Stratum records about a snapshot, in tags on its LV like a volume's (owner tag, state,
/// node) plus <c>stratum/kind=snapshot</c>, so it is never taken for a volume. The state tag
/// means: <see cref="VolumeState.Creating"/> a thick snapshot whose copy has not finished (listed,
/// not ready to use; finished or cleaned up after a restart), <see cref="VolumeState.Ready"/>
/// usable, <see cref="VolumeState.Deleting"/> being removed.
/// </summary>
public sealed record SnapshotMetadata
{
    /// <summary>Marks a snapshot's LV.</summary>
    public const string KindTag = VolumeMetadata.KindKey + "snapshot";

    /// <summary>
    /// Marks a short-lived point-in-time LV (a COW snapshot of a thick volume, or a thin snapshot of
    /// a thin one) that a copy reads from; removed when the copy ends, and at start-up if a crash
    /// left it.
    /// </summary>
    public const string PointInTimeTag = VolumeMetadata.KindKey + "point-in-time";

    private const string NameKey = "stratum/snapshot=";
    private const string SourceKey = "stratum/source=";
    private const string SourceBytesKey = "stratum/source-bytes=";
    private const string CreatedKey = "stratum/created=";
    private const string ClassKey = "stratum/class=";
    private const string NodeKey = "stratum/node=";
    private const string StateKey = "stratum/state=";

    /// <summary>The CSI snapshot name.</summary>
    public required string CsiName { get; init; }

    /// <summary>The volume id of the snapshot's source.</summary>
    public required string SourceVolumeId { get; init; }

    /// <summary>The source's size when the snapshot was taken: the smallest volume it restores into.</summary>
    public required long SourceBytes { get; init; }

    /// <summary>When the snapshot was taken.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The source's device class.</summary>
    public required string DeviceClass { get; init; }

    /// <summary>The node that took it.</summary>
    public string? Node { get; init; }

    public VolumeState State { get; init; } = VolumeState.Ready;

    /// <summary>
    /// The source's encryption (<see cref="VolumeMetadata.Luks2"/>), or null when it was not
    /// encrypted: the snapshot holds the source's LUKS header and ciphertext, and a volume restored
    /// from it is encrypted with the same key.
    /// </summary>
    public string? Encryption { get; init; }

    /// <summary>The tag that records the snapshot name <paramref name="csiName"/>.</summary>
    public static string NameTag(string csiName) => NameKey + LvmTagCodec.Encode(csiName);

    public IReadOnlyList<string> ToTags()
    {
        var tags = new List<string>
        {
            VolumeMetadata.OwnerTag,
            KindTag,
            VolumeMetadata.StateTag(State),
            NameTag(CsiName),
            SourceKey + LvmTagCodec.Encode(SourceVolumeId),
            SourceBytesKey + SourceBytes.ToString(CultureInfo.InvariantCulture),
            CreatedKey + ToUnixNanoseconds(CreatedAt).ToString(CultureInfo.InvariantCulture),
            ClassKey + LvmTagCodec.Encode(DeviceClass),
        };
        VolumeMetadata.Add(tags, NodeKey, Node);
        VolumeMetadata.Add(tags, VolumeMetadata.EncryptionKey, Encryption);
        return tags;
    }

    /// <summary>The snapshot metadata of an LV, or null when it is not a snapshot of Stratum's (or its tags are damaged).</summary>
    public static SnapshotMetadata? FromTags(TagSet tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        if (!tags.Contains(VolumeMetadata.OwnerTag) || !tags.Contains(KindTag))
        {
            return null;
        }

        string? name = null, source = null, deviceClass = null, node = null, encryption = null;
        long? bytes = null, created = null;
        var state = VolumeState.Ready;
        var states = 0;
        foreach (var tag in tags)
        {
            if (tag.StartsWith(StateKey, StringComparison.Ordinal))
            {
                states++;
                state = tag switch
                {
                    VolumeMetadata.ReadyTag => VolumeState.Ready,
                    VolumeMetadata.DeletingTag => VolumeState.Deleting,
                    _ => VolumeState.Creating,
                };
            }
            else if (VolumeMetadata.Value(tag, NameKey) is { } n)
            {
                name = n;
            }
            else if (VolumeMetadata.Value(tag, SourceKey) is { } s)
            {
                source = s;
            }
            else if (VolumeMetadata.Value(tag, ClassKey) is { } c)
            {
                deviceClass = c;
            }
            else if (VolumeMetadata.Value(tag, NodeKey) is { } nd)
            {
                node = nd;
            }
            else if (VolumeMetadata.Value(tag, VolumeMetadata.EncryptionKey) is { } e)
            {
                encryption = e;
            }
            else if (Number(tag, SourceBytesKey) is { } b)
            {
                bytes = b;
            }
            else if (Number(tag, CreatedKey) is { } t)
            {
                created = t;
            }
        }

        return name is null || source is null || deviceClass is null || bytes is null || created is null
            ? null
            : new SnapshotMetadata
            {
                CsiName = name,
                SourceVolumeId = source,
                SourceBytes = bytes.Value,
                CreatedAt = DateTimeOffset.UnixEpoch.AddTicks(created.Value / 100),
                DeviceClass = deviceClass,
                Node = node,
                Encryption = encryption,
                State = states > 1 ? VolumeState.Creating : state,
            };
    }

    private static long ToUnixNanoseconds(DateTimeOffset at) => (at - DateTimeOffset.UnixEpoch).Ticks * 100;

    private static long? Number(string tag, string key) =>
        tag.StartsWith(key, StringComparison.Ordinal) && long.TryParse(tag.AsSpan(key.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
