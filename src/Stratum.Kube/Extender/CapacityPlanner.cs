using k8s.Models;
using Stratum.Kube.Client;

namespace Stratum.Kube.Extender;

/// <summary>How nodes with room are ranked.</summary>
public enum ScoringPolicy
{
    /// <summary>Prefer the node with the least space left after placing the pod (fill nodes up, keep others empty).</summary>
    Binpack,

    /// <summary>Prefer the node with the most space left (even out usage).</summary>
    Spread,
}

/// <summary>One claim of the pod that Stratum will provision when the pod is placed.</summary>
public sealed record PendingClaim(string Namespace, string Name, string StorageClass, string DeviceClass, long Bytes);

/// <summary>A node's room for one device class: CSIStorageCapacity's capacity and maximum volume size.</summary>
public sealed record NodeRoom(long CapacityBytes, long? MaximumVolumeBytes);

/// <summary>What the extender needs of the cluster, from caches; <see cref="IsCurrent"/> false means "do not filter".</summary>
public interface IClusterCapacity
{
    bool IsCurrent { get; }

    V1PersistentVolumeClaim? Claim(string ns, string name);

    V1StorageClass? StorageClass(string name);

    /// <summary>Every CSIStorageCapacity object.</summary>
    IReadOnlyList<V1CSIStorageCapacity> Capacities();

    /// <summary>The topology value (<c>topology.lvm.stratum.dev/node</c>) of a node; by convention its name.</summary>
    string TopologyOf(string nodeName);
}

/// <summary>
/// The extender's decisions, pure over <see cref="IClusterCapacity"/>: which of a pod's claims
/// Stratum will provision (unbound, WaitForFirstConsumer, a Stratum StorageClass), how much each
/// device class needs in total, and whether and how well each node can hold all of it. Several
/// StorageClasses may share a device class, so their claims add up against the same space.
/// </summary>
public sealed class CapacityPlanner(IClusterCapacity cluster)
{
    public const long MaxPriority = 10;

    /// <summary>The pod's claims that Stratum will provision on the chosen node.</summary>
    public IReadOnlyList<PendingClaim> PendingClaims(PodClaims pod)
    {
        var ns = pod.Metadata.Namespace ?? "default";
        var result = new List<PendingClaim>();
        foreach (var claimName in pod.ClaimNames())
        {
            if (cluster.Claim(ns, claimName) is not { } claim)
            {
                continue;
            }

            if (!string.IsNullOrEmpty(claim.Spec?.VolumeName) || claim.Spec?.StorageClassName is not { Length: > 0 } className)
            {
                continue;
            }

            var storageClass = cluster.StorageClass(className);
            if (storageClass?.Provisioner != StratumNames.DriverName || storageClass.VolumeBindingMode != "WaitForFirstConsumer")
            {
                continue;
            }

            var bytes = claim.Spec.Resources?.Requests is { } requests && requests.TryGetValue("storage", out var size) ? size.ToInt64() : 0;
            result.Add(new PendingClaim(ns, claimName, className, DeviceClassOf(storageClass), bytes));
        }

        return result;
    }

    /// <summary>Why <paramref name="node"/> cannot hold all <paramref name="claims"/>, or null when it can.</summary>
    public string? WhyNot(string node, IReadOnlyList<PendingClaim> claims)
    {
        foreach (var group in claims.GroupBy(c => c.DeviceClass, StringComparer.Ordinal))
        {
            var room = Room(node, group.Key, group.Select(c => c.StorageClass));
            var label = group.Key.Length == 0 ? "the default device class" : $"device class {group.Key}";
            if (room is null)
            {
                return $"Stratum publishes no capacity for {label} on this node";
            }

            if (room.MaximumVolumeBytes is { } max && group.FirstOrDefault(c => c.Bytes > max) is { } tooBig)
            {
                return $"claim {tooBig.Name} needs {tooBig.Bytes} bytes, more than the largest volume {label} can hold here ({max})";
            }

            var need = group.Sum(c => c.Bytes);
            if (need > room.CapacityBytes)
            {
                return $"claims {string.Join(", ", group.Select(c => c.Name))} need {need} bytes of {label}, {room.CapacityBytes} free";
            }
        }

        return null;
    }

    /// <summary>Scores 0-10 for nodes that can hold the claims (0 for those that cannot), relative to each other.</summary>
    public IReadOnlyList<HostPriority> Score(IReadOnlyList<string> nodes, IReadOnlyList<PendingClaim> claims, ScoringPolicy policy)
    {
        var left = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            if (claims.Count == 0 || WhyNot(node, claims) is not null)
            {
                continue;
            }

            long remaining = 0;
            foreach (var group in claims.GroupBy(c => c.DeviceClass, StringComparer.Ordinal))
            {
                var room = Room(node, group.Key, group.Select(c => c.StorageClass))!;
                remaining += room.CapacityBytes - group.Sum(c => c.Bytes);
            }

            left[node] = remaining;
        }

        var min = left.Count == 0 ? 0 : left.Values.Min();
        var max = left.Count == 0 ? 0 : left.Values.Max();
        return [.. nodes.Select(node => new HostPriority
        {
            Host = node,
            Score = !left.TryGetValue(node, out var remaining) ? 0
                : max == min ? MaxPriority
                : policy == ScoringPolicy.Binpack
                    ? (long)Math.Round(MaxPriority * (double)(max - remaining) / (max - min))
                    : (long)Math.Round(MaxPriority * (double)(remaining - min) / (max - min)),
        })];
    }

    /// <summary>
    /// A node's room for a device class: the smallest capacity any CSIStorageCapacity of a Stratum
    /// StorageClass of that device class reports for the node (they all come from the same
    /// GetCapacity, so they agree unless one is older), or null when none does.
    /// </summary>
    public NodeRoom? Room(string node, string deviceClass, IEnumerable<string> storageClasses)
    {
        var topology = cluster.TopologyOf(node);
        var classes = new HashSet<string>(storageClasses, StringComparer.Ordinal);
        NodeRoom? room = null;
        foreach (var capacity in cluster.Capacities())
        {
            if (capacity.StorageClassName is not { } scName || TopologyValue(capacity) != topology)
            {
                continue;
            }

            if (!classes.Contains(scName))
            {
                var other = cluster.StorageClass(scName);
                if (other?.Provisioner != StratumNames.DriverName || DeviceClassOf(other) != deviceClass)
                {
                    continue;
                }
            }

            var bytes = capacity.Capacity?.ToInt64() ?? 0;
            var maximum = capacity.MaximumVolumeSize?.ToInt64();
            room = room is null
                ? new NodeRoom(bytes, maximum)
                : new NodeRoom(Math.Min(room.CapacityBytes, bytes), Min(room.MaximumVolumeBytes, maximum));
        }

        return room;
    }

    public static string DeviceClassOf(V1StorageClass storageClass) =>
        storageClass.Parameters is { } p && p.TryGetValue(StratumNames.DeviceClassParameter, out var value) ? value : "";

    /// <summary>The node a CSIStorageCapacity is for: our topology key in its node selector (matchLabels, or matchExpressions In with one value).</summary>
    public static string? TopologyValue(V1CSIStorageCapacity capacity)
    {
        var selector = capacity.NodeTopology;
        if (selector?.MatchLabels is { } labels && labels.TryGetValue(StratumNames.TopologyKey, out var value))
        {
            return value;
        }

        return selector?.MatchExpressions?
            .Where(e => e.Key == StratumNames.TopologyKey && e.OperatorProperty == "In" && e.Values?.Count == 1)
            .Select(e => e.Values[0])
            .FirstOrDefault();
    }

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
