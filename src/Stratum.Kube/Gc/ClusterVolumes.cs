namespace Stratum.Kube.Gc;

/// <summary>A PersistentVolume of Stratum's driver, reduced to what the GC compares.</summary>
public sealed record PvRecord(
    string Name,
    string VolumeHandle,
    string? Node,
    string? Phase,
    string? ReclaimPolicy,
    string? ClaimNamespace,
    string? ClaimName,
    bool Deleting);

/// <summary>A PersistentVolumeClaim, reduced to what the GC compares.</summary>
public sealed record ClaimRecord(
    string Namespace,
    string Name,
    string Uid,
    string? Phase,
    string? VolumeName,
    string? SelectedNode,
    bool Deleting)
{
    /// <summary>Not bound yet: a provisioner may still be about to create the PV for a volume it made.</summary>
    public bool IsPending => !Deleting && string.IsNullOrEmpty(VolumeName) && Phase is null or "Pending";
}

/// <summary>What the API server says, read fresh (a consistent list, never a cache) for one GC pass.</summary>
public sealed record ClusterVolumes(
    IReadOnlyList<PvRecord> PersistentVolumes,
    IReadOnlyList<ClaimRecord> Claims,
    bool NodeRegistered);

/// <summary>Reads <see cref="ClusterVolumes"/>. Throws when the API cannot be read; the GC then does nothing.</summary>
public interface IClusterVolumeReader
{
    Task<ClusterVolumes> ReadAsync(string nodeId, CancellationToken cancellationToken);
}
