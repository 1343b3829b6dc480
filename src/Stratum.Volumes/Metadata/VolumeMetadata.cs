using System.Globalization;
using Stratum.Lvm;
using Stratum.Volumes.IoLimits;

namespace Stratum.Volumes.Metadata;

/// <summary>Where a volume is in its life, as its <c>stratum/state</c> tag records it.</summary>
public enum VolumeState
{
    /// <summary>Complete: the only state in which a volume is served (listed, staged, returned).</summary>
    Ready,

    /// <summary>lvcreate may not have finished (wiping included): never served; a CreateVolume retry removes and recreates it.</summary>
    Creating,

    /// <summary>DeleteVolume has begun: never served; a retry finishes the deletion.</summary>
    Deleting,
}

/// <summary>
/// What Stratum records about a volume, stored only in LVM tags on its LV (there is no database):
/// a restarted or reinstalled node rediscovers everything from <c>lvs</c>. Values are encoded with
/// <see cref="LvmTagCodec"/>, so any CSI name or PVC name fits.
/// </summary>
public sealed record VolumeMetadata
{
    /// <summary>Every LV Stratum created carries this tag; Stratum only ever changes LVs that do.</summary>
    public const string OwnerTag = "stratum/owner=lvm.stratum.dev";

    /// <summary>What every state tag starts with.</summary>
    public const string StateTagPrefix = "stratum/state=";

    /// <summary>
    /// Set by lvcreate: until a second command swaps it for <see cref="ReadyTag"/>, the LV is served
    /// only to a caller that proves its lvcreate finished (an id, which is handed out only then).
    /// </summary>
    public const string CreatingTag = "stratum/state=creating";

    /// <summary>The volume is complete: created, wiped, tagged. Only such a volume is ever served.</summary>
    public const string ReadyTag = "stratum/state=ready";

    /// <summary>DeleteVolume has begun (its data may be partly discarded): never served again, only removed.</summary>
    public const string DeletingTag = "stratum/state=deleting";

    /// <summary>What an LV of Stratum's is when it is not a volume: <c>stratum/kind=snapshot</c>, <c>stratum/kind=cow</c> (see <see cref="SnapshotMetadata"/>).</summary>
    public const string KindKey = "stratum/kind=";

    private const string SourceKey = "stratum/source=";
    private const string NameKey = "stratum/name=";
    private const string ClassKey = "stratum/class=";
    private const string RequestedKey = "stratum/requested=";
    private const string NodeKey = "stratum/node=";
    private const string PvcNamespaceKey = "stratum/pvc-namespace=";
    private const string PvcNameKey = "stratum/pvc-name=";
    private const string PvNameKey = "stratum/pv-name=";
    internal const string EncryptionKey = "stratum/encryption=";
    private const string IoKey = "stratum/io=";

    /// <summary>The keys of a volume's tags that carry one value each.</summary>
    private static readonly string[] ValueKeys =
        [NameKey, ClassKey, RequestedKey, NodeKey, SourceKey, PvcNamespaceKey, PvcNameKey, PvNameKey, EncryptionKey, IoKey];

    /// <summary>The one encryption Stratum offers (StorageClass <c>encryption: luks2</c>).</summary>
    public const string Luks2 = "luks2";

    /// <summary>The CSI volume name (the external-provisioner passes <c>pvc-UID</c>).</summary>
    public required string CsiName { get; init; }

    /// <summary>The device class the volume was carved for.</summary>
    public required string DeviceClass { get; init; }

    /// <summary>The required_bytes asked for (the LV may be larger: rounded to extents).</summary>
    public required long RequestedBytes { get; init; }

    /// <summary>The node that created the volume.</summary>
    public string? Node { get; init; }

    /// <summary>
    /// Where the volume is in its life (<c>stratum/state</c>). An LV of Stratum's without the tag
    /// predates it and counts as <see cref="VolumeState.Ready"/>.
    /// </summary>
    public VolumeState State { get; init; } = VolumeState.Ready;

    /// <summary>What the volume was restored or cloned from (<see cref="VolumeSource"/> as text), else null.</summary>
    public string? Source { get; init; }

    /// <summary>The PVC and PV, when the provisioner passes them (<c>--extra-create-metadata</c>).</summary>
    public string? PvcNamespace { get; init; }

    public string? PvcName { get; init; }

    public string? PvName { get; init; }

    /// <summary>How the volume is encrypted (<see cref="Luks2"/>), or null when it is not. Fixed at creation.</summary>
    public string? Encryption { get; init; }

    /// <summary>The IO limits asked for (StorageClass, then ControllerModifyVolume); <see cref="IoLimitSettings.None"/> when there are none.</summary>
    public IoLimitSettings IoLimits { get; init; } = IoLimitSettings.None;

    /// <summary>The tag that records <paramref name="limits"/>, or null when there are none.</summary>
    public static string? IoTag(IoLimitSettings limits) => limits.IsEmpty ? null : IoKey + LvmTagCodec.Encode(limits.ToTagValue());

    /// <summary>Whether a tag is an IO-limits tag (of any value).</summary>
    public static bool IsIoTag(string tag) => tag.StartsWith(IoKey, StringComparison.Ordinal);

    /// <summary>The tags that record this metadata, owner tag first.</summary>
    public IReadOnlyList<string> ToTags()
    {
        var tags = new List<string>
        {
            OwnerTag,
            StateTag(State),
            NameTag(CsiName),
            ClassKey + LvmTagCodec.Encode(DeviceClass),
            RequestedKey + RequestedBytes.ToString(CultureInfo.InvariantCulture),
        };
        Add(tags, NodeKey, Node);
        Add(tags, SourceKey, Source);
        Add(tags, PvcNamespaceKey, PvcNamespace);
        Add(tags, PvcNameKey, PvcName);
        Add(tags, PvNameKey, PvName);
        Add(tags, EncryptionKey, Encryption);
        if (IoTag(IoLimits) is { } io)
        {
            tags.Add(io);
        }

        return tags;
    }

    /// <summary>The tag that records <paramref name="csiName"/>: finds a volume by name across all VGs in one lookup.</summary>
    public static string NameTag(string csiName) => NameKey + LvmTagCodec.Encode(csiName);

    /// <summary>The tag that records <paramref name="state"/>.</summary>
    public static string StateTag(VolumeState state) => state switch
    {
        VolumeState.Creating => CreatingTag,
        VolumeState.Ready => ReadyTag,
        VolumeState.Deleting => DeletingTag,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "unknown volume state"),
    };

    /// <summary>True when the LV carries Stratum's owner tag.</summary>
    public static bool IsOwned(LogicalVolume lv) => lv.Tags.Contains(OwnerTag);

    /// <summary>
    /// Reads the metadata of an LV Stratum owns; null when the LV is not Stratum's or its tags are
    /// damaged (then Stratum leaves it alone). Damaged means: a required tag (name, class,
    /// requested size) missing, a value that does not decode (a bad escape, a size that is not a
    /// non-negative number, IO limits that do not parse), or a key that appears twice with
    /// different values (LVM keeps tags as a set, so only a hand-made change can do that, and
    /// Stratum cannot tell which value is right). A state tag that is unknown or not alone is
    /// not damage but an unfinished change: never served, and a CreateVolume retry replaces it.
    /// </summary>
    public static VolumeMetadata? FromTags(TagSet tags)
    {
        if (!tags.Contains(OwnerTag) || tags.Any(t => t.StartsWith(KindKey, StringComparison.Ordinal)))
        {
            return null; // not Stratum's, or Stratum's but not a volume (a snapshot)
        }

        if (TagValues.Read(tags, ValueKeys) is not { } values)
        {
            return null; // one key, two values
        }

        // An unknown scheme is kept as is: the node refuses to stage what it cannot open.
        var encryption = values.Raw(EncryptionKey) is { } scheme ? (LvmTagCodec.TryDecode(scheme, out var decoded) ? decoded : scheme) : null;

        // Damaged limits are damaged metadata, never silently no limits.
        var io = IoLimitSettings.None;
        var badLimits = false;
        if (values.Text(IoKey) is { } limits)
        {
            var parsed = IoLimitSettings.FromTagValue(limits);
            badLimits = parsed is null;
            io = parsed ?? IoLimitSettings.None;
        }

        var name = values.Text(NameKey);
        var deviceClass = values.Text(ClassKey);
        var requested = values.Number(RequestedKey);
        var node = values.Text(NodeKey);
        var source = values.Text(SourceKey);
        var pvcNamespace = values.Text(PvcNamespaceKey);
        var pvcName = values.Text(PvcNameKey);
        var pvName = values.Text(PvNameKey);
        return name is null || deviceClass is null || requested is null || values.Damaged || badLimits
            ? null
            : new VolumeMetadata
            {
                CsiName = name,
                DeviceClass = deviceClass,
                RequestedBytes = requested.Value,
                Node = node,
                Source = source,
                State = values.State,
                PvcNamespace = pvcNamespace,
                PvcName = pvcName,
                PvName = pvName,
                Encryption = encryption,
                IoLimits = io,
            };
    }

    internal static void Add(List<string> tags, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            tags.Add(key + LvmTagCodec.Encode(value));
        }
    }
}
