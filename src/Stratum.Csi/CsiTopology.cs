using Stratum.Csi.V1;

namespace Stratum.Csi;

/// <summary>Stratum's single topology key: a volume is reachable only on the node that holds it.</summary>
public static class CsiTopology
{
    public const string NodeKey = "topology.lvm.stratum.dev/node";

    public static Topology ForNode(string nodeId) => new() { Segments = { [NodeKey] = nodeId } };

    /// <summary>Whether a topology names this node (or does not constrain Stratum's key at all).</summary>
    public static bool Allows(Topology topology, string nodeId) =>
        !topology.Segments.TryGetValue(NodeKey, out var value) || value == nodeId;
}
