using Stratum.Kube.Gc;
using Stratum.Metrics;

namespace Stratum.Kube.Tests;

/// <summary>A clock the test moves.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>The node's volumes, as the test sets them; can be made to fail.</summary>
internal sealed class FakeVolumeSource : INodeVolumeSource
{
    public List<NodeVolume> Volumes { get; } = [];

    public Exception? Failure { get; set; }

    public Task<IReadOnlyList<NodeVolume>> ListAsync(CancellationToken cancellationToken) =>
        Failure is { } ex ? Task.FromException<IReadOnlyList<NodeVolume>>(ex) : Task.FromResult<IReadOnlyList<NodeVolume>>([.. Volumes]);
}

/// <summary>Records deletions and removes the volume from the source, as the engine would.</summary>
internal sealed class RecordingRemover(FakeVolumeSource source) : IVolumeRemover
{
    public List<string> Deleted { get; } = [];

    public HashSet<string> Failing { get; } = [];

    public Task DeleteAsync(NodeVolume volume, CancellationToken cancellationToken)
    {
        if (Failing.Contains(volume.LvName))
        {
            throw new InvalidOperationException($"lvremove {volume.LvName} failed");
        }

        Deleted.Add(volume.LvName);
        source.Volumes.RemoveAll(v => v.VolumeId == volume.VolumeId);
        return Task.CompletedTask;
    }
}

/// <summary>Records what the Kubernetes-facing code reports to the metrics interface.</summary>
internal sealed class RecordingMetrics : NullStratumMetrics
{
    public List<(string Result, int Orphans, int Missing)> GcPasses { get; } = [];

    public int OrphansDeleted { get; private set; }

    public List<string> NodeLossActions { get; } = [];

    public List<(string Verb, string Result)> ExtenderRequests { get; } = [];

    public List<bool> Leadership { get; } = [];

    public override void GcPassCompleted(string result, int orphans, int missingVolumes, DateTimeOffset at)
    {
        lock (GcPasses)
        {
            GcPasses.Add((result, orphans, missingVolumes));
        }
    }

    public override void OrphanDeleted() => OrphansDeleted++;

    public override void NodeLossAction(string action)
    {
        lock (NodeLossActions)
        {
            NodeLossActions.Add(action);
        }
    }

    public override void LeadershipChanged(bool isLeader)
    {
        lock (Leadership)
        {
            Leadership.Add(isLeader);
        }
    }

    public override void ExtenderRequest(string verb, string result, TimeSpan elapsed)
    {
        lock (ExtenderRequests)
        {
            ExtenderRequests.Add((verb, result));
        }
    }
}
