using System.Net;
using Stratum.Kube.Extender;
using Stratum.Kube.NodeLoss;

namespace Stratum.Kube.Hosting;

/// <summary>Everything <c>stratum controller</c> is started with, parsed and checked by the CLI.</summary>
public sealed record ControllerOptions
{
    /// <summary>A kubeconfig file; null: in-cluster credentials, else ~/.kube/config.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>An API server URL used without credentials (a local proxy or a test server); overrides <see cref="Kubeconfig"/>.</summary>
    public string? Server { get; init; }

    /// <summary>Namespace of the leader Lease (the controller's own namespace).</summary>
    public required string Namespace { get; init; }

    /// <summary>This replica's identity in the Lease and in Events (the pod name).</summary>
    public required string Identity { get; init; }

    /// <summary>Run the node-loss controller only while holding the Lease (off: always, for a single replica or tests).</summary>
    public bool LeaderElect { get; init; } = true;

    public string LeaseName { get; init; } = "stratum-controller";

    /// <summary>Where the scheduler extender listens; null: no extender.</summary>
    public IPEndPoint? ExtenderEndpoint { get; init; }

    public ScoringPolicy Scoring { get; init; } = ScoringPolicy.Spread;

    /// <summary>Where <c>/metrics</c> is served; null: no metrics endpoint.</summary>
    public IPEndPoint? MetricsEndpoint { get; init; }

    public NodeLossOptions NodeLoss { get; init; } = new();

    /// <summary>Stratum's version, for <c>stratum_build_info</c>.</summary>
    public string Version { get; init; } = "0.0.0";
}
