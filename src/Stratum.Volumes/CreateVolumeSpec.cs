namespace Stratum.Volumes;

/// <summary>What CreateVolume asks for, already checked for shape by the CSI layer.</summary>
public sealed record CreateVolumeSpec
{
    /// <summary>The CSI name; the same name always means the same volume.</summary>
    public required string Name { get; init; }

    /// <summary>Smallest acceptable size; 0 when the caller has no minimum.</summary>
    public long RequiredBytes { get; init; }

    /// <summary>Largest acceptable size; 0 when unlimited.</summary>
    public long LimitBytes { get; init; }

    /// <summary>
    /// Filesystems the volume may be mounted with (from its mount capabilities; an empty string
    /// means the class's default). The volume is made large enough for each of them.
    /// </summary>
    public IReadOnlyList<string> MountFilesystems { get; init; } = [];

    /// <summary>The device class, or null for the default one.</summary>
    public string? DeviceClass { get; init; }

    /// <summary>What the volume's content comes from (a snapshot or another volume), or null for an empty volume.</summary>
    public Snapshots.VolumeSource? Source { get; init; }

    public string? PvcNamespace { get; init; }

    public string? PvcName { get; init; }

    public string? PvName { get; init; }

    /// <summary>Encrypt the volume (<see cref="Metadata.VolumeMetadata.Luks2"/>), or null.</summary>
    public string? Encryption { get; init; }

    /// <summary>IO limits for the pods that use the volume.</summary>
    public IoLimits.IoLimitSettings IoLimits { get; init; } = Stratum.Volumes.IoLimits.IoLimitSettings.None;
}
