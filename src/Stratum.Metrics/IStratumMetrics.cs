namespace Stratum.Metrics;

/// <summary>
/// What Stratum reports for Prometheus. Every part of the plugin and the controller feeds this
/// one interface; <see cref="NullStratumMetrics"/> is the default when metrics are off, so callers
/// never check. Implementations are thread-safe and never throw.
/// </summary>
public interface IStratumMetrics
{
    /// <summary>A CSI call finished with a gRPC status code name (<c>OK</c>, <c>NOT_FOUND</c>, ...).</summary>
    void RpcCompleted(string method, string code, TimeSpan elapsed);

    /// <summary>A subprocess finished (<c>lvcreate</c>, <c>lvs</c>, <c>mkfs.xfs</c>, ...); outcome is <c>ok</c>, <c>failed</c>, <c>timeout</c>, <c>canceled</c> or <c>not_started</c>.</summary>
    void CommandCompleted(string command, string outcome, TimeSpan elapsed);

    /// <summary>The capacity cache was refreshed: the state of every VG and thin pool at that moment.</summary>
    void CapacityRefreshed(DateTimeOffset at, IReadOnlyList<VolumeGroupUsage> volumeGroups, IReadOnlyList<ThinPoolUsage> thinPools);

    /// <summary>Stratum's volumes on this node, counted per device class.</summary>
    void VolumesCounted(IReadOnlyDictionary<string, int> perDeviceClass);

    /// <summary>A configuration was applied (at start or by a reload); generation counts from 1.</summary>
    void ConfigApplied(long generation);

    /// <summary>A reload was rejected; the last good configuration stays in force.</summary>
    void ConfigReloadFailed();

    /// <summary>Disk management's latest scan: per managed volume group, the disks in it (claimed now or before) and the disks it refused to claim.</summary>
    void DisksObserved(IReadOnlyDictionary<string, int> claimedByVolumeGroup, IReadOnlyDictionary<string, int> refusedByVolumeGroup);

    /// <summary>An orphan-GC pass ended (<c>completed</c>, <c>skipped_api_unavailable</c>, <c>failed</c>, ...), with what it found.</summary>
    void GcPassCompleted(string result, int orphans, int missingVolumes, DateTimeOffset at);

    /// <summary>The GC removed one orphaned volume.</summary>
    void OrphanDeleted();

    /// <summary>The node-loss controller acted (<c>claim_released</c>, <c>pod_deleted</c>, <c>volume_deleted</c>, <c>refused</c>).</summary>
    void NodeLossAction(string action);

    /// <summary>This controller replica became, or stopped being, the leader.</summary>
    void LeadershipChanged(bool isLeader);

    /// <summary>A scheduler-extender call (<c>filter</c>, <c>prioritize</c>) finished (<c>ok</c>, <c>bad_request</c>, <c>passthrough</c>, <c>error</c>).</summary>
    void ExtenderRequest(string verb, string result, TimeSpan elapsed);
}

/// <summary>One volume group's size and free space.</summary>
public sealed record VolumeGroupUsage(string Name, long SizeBytes, long FreeBytes);

/// <summary>One thin pool's data and metadata fullness, as fractions from 0 to 1.</summary>
public sealed record ThinPoolUsage(string VolumeGroup, string Name, double DataUsedRatio, double MetadataUsedRatio);

/// <summary>
/// Metrics off: every report is dropped. Not sealed, so a test double records only what it
/// overrides.
/// </summary>
public class NullStratumMetrics : IStratumMetrics
{
    public static NullStratumMetrics Instance { get; } = new();

    protected NullStratumMetrics()
    {
    }

    public virtual void RpcCompleted(string method, string code, TimeSpan elapsed)
    {
    }

    public virtual void CommandCompleted(string command, string outcome, TimeSpan elapsed)
    {
    }

    public virtual void CapacityRefreshed(DateTimeOffset at, IReadOnlyList<VolumeGroupUsage> volumeGroups, IReadOnlyList<ThinPoolUsage> thinPools)
    {
    }

    public virtual void VolumesCounted(IReadOnlyDictionary<string, int> perDeviceClass)
    {
    }

    public virtual void ConfigApplied(long generation)
    {
    }

    public virtual void ConfigReloadFailed()
    {
    }

    public virtual void DisksObserved(IReadOnlyDictionary<string, int> claimedByVolumeGroup, IReadOnlyDictionary<string, int> refusedByVolumeGroup)
    {
    }

    public virtual void GcPassCompleted(string result, int orphans, int missingVolumes, DateTimeOffset at)
    {
    }

    public virtual void OrphanDeleted()
    {
    }

    public virtual void NodeLossAction(string action)
    {
    }

    public virtual void LeadershipChanged(bool isLeader)
    {
    }

    public virtual void ExtenderRequest(string verb, string result, TimeSpan elapsed)
    {
    }
}
