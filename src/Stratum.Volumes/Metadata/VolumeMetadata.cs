using System.Globalization;
using Stratum.Lvm;

namespace Stratum.Volumes.Metadata;

/// <summary>
/// What Stratum records about a volume, stored only in LVM tags on its LV (there is no database):
/// a restarted or reinstalled node rediscovers everything from <c>lvs</c>. Values are encoded with
/// <see cref="LvmTagCodec"/>, so any CSI name or PVC name fits.
/// </summary>
public sealed record VolumeMetadata
{
    /// <summary>Every LV Stratum created carries this tag; Stratum only ever changes LVs that do.</summary>
    public const string OwnerTag = "stratum/owner=lvm.stratum.dev";

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
        foreach (var tag in tags)
        {
            if (Value(tag, NameKey) is { } n)
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
