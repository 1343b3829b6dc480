namespace Stratum.Volumes;

public sealed record VolumeEngineOptions
{
    /// <summary>This node's name, recorded on the volumes it creates.</summary>
    public required string NodeId { get; init; }

    /// <summary>Size used when CreateVolume gives neither a minimum nor a limit.</summary>
    public long DefaultVolumeBytes { get; init; } = 1L << 30;

    /// <summary>Where cgroup v2 is mounted (the pods' cgroups, for IO limits); tests point it at a directory tree of their own.</summary>
    public string CgroupRoot { get; init; } = IoLimits.PodCgroups.DefaultRoot;
}
