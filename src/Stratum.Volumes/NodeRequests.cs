namespace Stratum.Volumes;

/// <summary>NodeStageVolume, checked for shape by the CSI layer.</summary>
/// <param name="FsType">Filesystem asked for; null or empty: the device class's default.</param>
/// <param name="Secrets">The node-stage secrets (an encrypted volume's key is <c>encryptionKey</c>); never logged.</param>
public sealed record StageSpec(string VolumeId, string StagingPath, bool Block, string? FsType, IReadOnlyList<string> MountFlags)
{
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();

    public override string ToString() => $"StageSpec {{ VolumeId = {VolumeId}, StagingPath = {StagingPath}, Block = {Block}, FsType = {FsType} }}";
}

/// <summary>NodePublishVolume, checked for shape by the CSI layer.</summary>
/// <param name="PodUid">The pod's UID (volume context <c>csi.storage.k8s.io/pod.uid</c>, with podInfoOnMount), for IO limits.</param>
public sealed record PublishSpec(string VolumeId, string StagingPath, string TargetPath, bool Block, bool ReadOnly, string? PodUid = null);

/// <summary>NodeExpandVolume: grow the LV, then the filesystem if the volume is mounted.</summary>
/// <param name="Block">True/false when the request says; null to tell from what is at the path.</param>
/// <param name="Secrets">The node-expand secrets (an encrypted volume's key, needed only when the kernel keyring lacks it); never logged.</param>
public sealed record ExpandSpec(string VolumeId, string VolumePath, long RequiredBytes, long LimitBytes, bool? Block)
{
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();

    public override string ToString() => $"ExpandSpec {{ VolumeId = {VolumeId}, VolumePath = {VolumePath}, RequiredBytes = {RequiredBytes} }}";
}

/// <summary>NodeGetVolumeStats's answer.</summary>
/// <param name="Filesystem">Bytes and inodes of a mounted filesystem volume; null otherwise.</param>
/// <param name="BlockBytes">Size of a raw block volume; null otherwise.</param>
/// <param name="Abnormal">Whether something is wrong, with <paramref name="Message"/> saying what.</param>
public sealed record VolumeStats(Platform.FilesystemStats? Filesystem, long? BlockBytes, bool Abnormal, string Message);
