namespace Stratum.Volumes;

/// <summary>NodeStageVolume, checked for shape by the CSI layer.</summary>
/// <param name="FsType">Filesystem asked for; null or empty: the device class's default.</param>
public sealed record StageSpec(string VolumeId, string StagingPath, bool Block, string? FsType, IReadOnlyList<string> MountFlags);

/// <summary>NodePublishVolume, checked for shape by the CSI layer.</summary>
public sealed record PublishSpec(string VolumeId, string StagingPath, string TargetPath, bool Block, bool ReadOnly);

/// <summary>NodeExpandVolume: grow the LV, then the filesystem if the volume is mounted.</summary>
/// <param name="Block">True/false when the request says; null to tell from what is at the path.</param>
public sealed record ExpandSpec(string VolumeId, string VolumePath, long RequiredBytes, long LimitBytes, bool? Block);

/// <summary>NodeGetVolumeStats's answer.</summary>
/// <param name="Filesystem">Bytes and inodes of a mounted filesystem volume; null otherwise.</param>
/// <param name="BlockBytes">Size of a raw block volume; null otherwise.</param>
/// <param name="Abnormal">Whether something is wrong, with <paramref name="Message"/> saying what.</param>
public sealed record VolumeStats(Platform.FilesystemStats? Filesystem, long? BlockBytes, bool Abnormal, string Message);
