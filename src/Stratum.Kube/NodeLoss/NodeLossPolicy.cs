namespace Stratum.Kube.NodeLoss;

/// <summary>What happens to a claim whose volume's node was deleted (StorageClass parameter <c>nodeLossPolicy</c>).</summary>
public enum NodeLossPolicy
{
    /// <summary>The default: nothing; the claim waits for a node of that name to come back.</summary>
    Keep,

    /// <summary>Delete the claim (and free its PV) so a StatefulSet recreates it on another node, empty.</summary>
    Release,
}

public static class NodeLossPolicies
{
    public const string Keep = "keep";
    public const string Release = "release";

    /// <summary>Parses the parameter; absent is <see cref="NodeLossPolicy.Keep"/>, anything unknown is null.</summary>
    public static NodeLossPolicy? Parse(string? value) => value switch
    {
        null or "" or Keep => NodeLossPolicy.Keep,
        Release => NodeLossPolicy.Release,
        _ => null,
    };
}

/// <summary>Node-loss controller settings.</summary>
public sealed record NodeLossOptions
{
    /// <summary>A node must stay absent this long before anything is released (a re-registering kubelet comes back within it).</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>A full reconcile runs at least this often, besides every relevant change.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// When more than this fraction of the nodes that hold Stratum volumes look lost at once (at
    /// least two), nothing is released: that smells of a broken view, not of deleted nodes.
    /// </summary>
    public double MaxLostFraction { get; init; } = 0.5;

    /// <summary>Who the controller's Events say reported them (the pod name).</summary>
    public string Instance { get; init; } = Environment.MachineName;
}
