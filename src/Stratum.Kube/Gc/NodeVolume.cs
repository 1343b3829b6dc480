namespace Stratum.Kube.Gc;

/// <summary>
/// One logical volume on this node as the GC sees it. The node plugin builds these from its own
/// volume listing (LV tags, see Stratum.Volumes' VolumeMetadata) and its mount table; the GC
/// depends on nothing else of the engine.
/// </summary>
public sealed record NodeVolume
{
    /// <summary>The CSI volume id a PV records (<c>VG:LV:LV-UUID</c>).</summary>
    public required string VolumeId { get; init; }

    public required string VolumeGroup { get; init; }

    public required string LvName { get; init; }

    /// <summary>Whether the LV carries Stratum's owner tag. The GC never touches one that does not.</summary>
    public required bool Owned { get; init; }

    /// <summary>The CSI name it was created for (<c>stratum/name</c>; the provisioner passes <c>pvc-&lt;PVC UID&gt;</c>).</summary>
    public string? CsiName { get; init; }

    public string? DeviceClass { get; init; }

    /// <summary>The PV and PVC names from the provisioner's <c>--extra-create-metadata</c> tags, when present.</summary>
    public string? PvName { get; init; }

    public string? PvcNamespace { get; init; }

    public string? PvcName { get; init; }

    public long SizeBytes { get; init; }

    /// <summary>When the LV was created (LVM's <c>lv_time</c>); null when unknown (the GC then counts from when it first saw it).</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Staged or published on this node, or the device is open: never deleted.</summary>
    public required bool InUse { get; init; }
}

/// <summary>Stratum's volumes on this node (all VGs of all device classes). Throws when they cannot be listed; the GC then skips the pass.</summary>
public interface INodeVolumeSource
{
    Task<IReadOnlyList<NodeVolume>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Deletes one volume the way a CSI DeleteVolume does (per-volume lock, owner check, gone is
/// success). Throws when it could not.
/// </summary>
public interface IVolumeRemover
{
    Task DeleteAsync(NodeVolume volume, CancellationToken cancellationToken);
}
