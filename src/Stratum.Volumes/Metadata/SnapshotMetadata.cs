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

    /// <summary>
    /// Marks a thick snapshot (still <see cref="VolumeState.Creating"/>) whose copy is complete:
    /// what is left is dropping its point in time and tagging it ready, so a restart in between
    /// finishes it (same id) instead of taking it for a copy that lost its point in time.
    /// </summary>
    public const string CopiedTag = "stratum/copied";

    private const string NameKey = "stratum/snapshot=";
    private const string SourceKey = "stratum/source=";
    private const string SourceBytesKey = "stratum/source-bytes=";
    private const string CreatedKey = "stratum/created=";
    private const string ClassKey = "stratum/class=";
    private const string NodeKey = "stratum/node=";

    /// <summary>The keys of a snapshot's tags that carry one value each.</summary>
    private static readonly string[] ValueKeys = [NameKey, SourceKey, SourceBytesKey, CreatedKey, ClassKey, NodeKey, VolumeMetadata.EncryptionKey];

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

    /// <summary>
    /// The snapshot metadata of an LV, or null when it is not a snapshot of Stratum's or its tags
    /// are damaged (a required tag missing, a value that does not decode, or a key with two
    /// values): like a volume's, see <see cref="VolumeMetadata.FromTags"/>.
    /// </summary>
    public static SnapshotMetadata? FromTags(TagSet tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        if (!tags.Contains(VolumeMetadata.OwnerTag) || !tags.Contains(KindTag))
        {
            return null;
        }

        if (TagValues.Read(tags, ValueKeys) is not { } values)
        {
            return null; // one key, two values
        }

        var name = values.Text(NameKey);
        var source = values.Text(SourceKey);
        var deviceClass = values.Text(ClassKey);
        var node = values.Text(NodeKey);
        var encryption = values.Text(VolumeMetadata.EncryptionKey);
        var bytes = values.Number(SourceBytesKey);
        var created = values.Number(CreatedKey);
        return values.Damaged || name is null || source is null || deviceClass is null || bytes is null || created is null
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
                State = values.State,
            };
    }

    private static long ToUnixNanoseconds(DateTimeOffset at) => (at - DateTimeOffset.UnixEpoch).Ticks * 100;
}
