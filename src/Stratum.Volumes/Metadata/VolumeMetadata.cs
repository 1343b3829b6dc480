using System.Globalization;
using Stratum.Lvm;

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

    /// <summary>Set by lvcreate: the LV is not complete until a second command swaps it for <see cref="ReadyTag"/>.</summary>
    public const string CreatingTag = "stratum/state=creating";

    /// <summary>The volume is complete: created, wiped, tagged. Only such a volume is ever served.</summary>
    public const string ReadyTag = "stratum/state=ready";

    /// <summary>DeleteVolume has begun (its data may be partly discarded): never served again, only removed.</summary>
    public const string DeletingTag = "stratum/state=deleting";

    private const string StateKey = "stratum/state=";
    private const string NameKey = "stratum/name=";
    private const string ClassKey = "stratum/class=";
    private const string RequestedKey = "stratum/requested=";
    private const string NodeKey = "stratum/node=";
    private const string PvcNamespaceKey = "stratum/pvc-namespace=";
    private const string PvcNameKey = "stratum/pvc-name=";
    private const string PvNameKey = "stratum/pv-name=";

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

    /// <summary>The PVC and PV, when the provisioner passes them (<c>--extra-create-metadata</c>).</summary>
    public string? PvcNamespace { get; init; }

    public string? PvcName { get; init; }

    public string? PvName { get; init; }

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
        Add(tags, PvcNamespaceKey, PvcNamespace);
        Add(tags, PvcNameKey, PvcName);
        Add(tags, PvNameKey, PvName);
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
    /// damaged (then Stratum leaves it alone).
    /// </summary>
    public static VolumeMetadata? FromTags(TagSet tags)
    {
        if (!tags.Contains(OwnerTag))
        {
            return null;
        }

        string? name = null, deviceClass = null, node = null, pvcNamespace = null, pvcName = null, pvName = null;
        long? requested = null;
        var state = VolumeState.Ready;
        var states = 0;
        foreach (var tag in tags)
        {
            if (tag.StartsWith(StateKey, StringComparison.Ordinal))
            {
                // Anything but exactly one known state is damage: not Ready, so never served.
                states++;
                state = tag switch
                {
                    CreatingTag => VolumeState.Creating,
                    ReadyTag => VolumeState.Ready,
                    DeletingTag => VolumeState.Deleting,
                    _ => VolumeState.Creating,
                };
            }
            else if (Value(tag, NameKey) is { } n)
            {
                name = n;
            }
            else if (Value(tag, ClassKey) is { } c)
            {
                deviceClass = c;
            }
            else if (tag.StartsWith(RequestedKey, StringComparison.Ordinal)
                && long.TryParse(tag.AsSpan(RequestedKey.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var r))
            {
                requested = r;
            }
            else if (Value(tag, NodeKey) is { } nd)
            {
                node = nd;
            }
            else if (Value(tag, PvcNamespaceKey) is { } ns)
            {
                pvcNamespace = ns;
            }
            else if (Value(tag, PvcNameKey) is { } pvc)
            {
                pvcName = pvc;
            }
            else if (Value(tag, PvNameKey) is { } pv)
            {
                pvName = pv;
            }
        }

        return name is null || deviceClass is null || requested is null
            ? null
            : new VolumeMetadata
            {
                CsiName = name,
                DeviceClass = deviceClass,
                RequestedBytes = requested.Value,
                Node = node,
                State = states > 1 ? VolumeState.Creating : state,
                PvcNamespace = pvcNamespace,
                PvcName = pvcName,
                PvName = pvName,
            };
    }

    private static string? Value(string tag, string key) =>
        tag.StartsWith(key, StringComparison.Ordinal) && LvmTagCodec.TryDecode(tag[key.Length..], out var value) ? value : null;

    private static void Add(List<string> tags, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            tags.Add(key + LvmTagCodec.Encode(value));
        }
    }
}
