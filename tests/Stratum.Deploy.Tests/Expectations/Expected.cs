namespace Stratum.Deploy.Tests.Expectations;

/// <summary>One RBAC permission a container needs: API group, resource (with subresource) and verbs.</summary>
public sealed record Permission(string ApiGroup, string Resource, params string[] Verbs);

/// <summary>Where a container's health endpoint is served and probed.</summary>
/// <param name="Path">The HTTP path the probes request.</param>
/// <param name="PortFlag">The flag whose value holds the port (<c>--http-endpoint=:9809</c> or <c>--health-port=9808</c>).</param>
/// <param name="ServedBy">The container that serves the port (itself, or the liveness-probe sidecar for the plugin).</param>
public sealed record Health(string Path, string PortFlag, string? ServedBy = null);

/// <summary>What one container of a Stratum workload must look like.</summary>
public sealed record ContainerExpectation
{
    public required string Name { get; init; }

    /// <summary>Image repository without tag.</summary>
    public required string Repository { get; init; }

    /// <summary>The exact tag; null for the plugin, whose tag must be the project version.</summary>
    public string? Tag { get; init; }

    /// <summary>Arguments that must be present exactly as written (order free).</summary>
    public IReadOnlyList<string> RequiredArgs { get; init; } = [];

    /// <summary>
    /// Every flag the pinned version accepts (from its source at that tag, plus klog's -v), so a
    /// misspelled flag fails here instead of crash-looping on a node. Null: not checked (the plugin's
    /// flags are checked by running it).
    /// </summary>
    public IReadOnlyList<string>? KnownFlags { get; init; }

    /// <summary>Environment variables from the downward API: name to field path.</summary>
    public IReadOnlyDictionary<string, string> DownwardEnv { get; init; } = new Dictionary<string, string>();

    /// <summary>Plain environment variables that must be set to these values.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>Cluster-wide permissions (a ClusterRole named <see cref="ClusterRoleName"/>).</summary>
    public IReadOnlyList<Permission> ClusterPermissions { get; init; } = [];

    public string? ClusterRoleName { get; init; }

    /// <summary>Permissions in the workload's own namespace (a Role named <see cref="RoleName"/>).</summary>
    public IReadOnlyList<Permission> NamespacePermissions { get; init; } = [];

    public string? RoleName { get; init; }

    /// <summary>The container's liveness (and, for the plugin, startup and readiness) endpoint; null: no probe.</summary>
    public Health? Health { get; init; }

    public bool Startup { get; init; }

    public bool Readiness { get; init; }

    public bool Privileged { get; init; }

    /// <summary>The CSI socket flag: <c>--csi-address</c> for sidecars, null when the container does not speak CSI.</summary>
    public string? SocketFlag { get; init; } = "--csi-address";
}

/// <summary>A Deployment or DaemonSet deploy/ ships.</summary>
public sealed record WorkloadExpectation(
    string Kind,
    string Namespace,
    string Name,
    string ServiceAccount,
    string PriorityClass,
    IReadOnlyList<ContainerExpectation> Containers);

/// <summary>What an overlay (or the base) must render to.</summary>
public sealed record OverlayExpectation
{
    /// <summary>Directory under deploy/.</summary>
    public required string Directory { get; init; }

    public required IReadOnlyList<WorkloadExpectation> Workloads { get; init; }

    public IReadOnlyList<string> StorageClasses { get; init; } = [];

    public IReadOnlyList<string> SnapshotClasses { get; init; } = [];

    /// <summary>The device classes of the ConfigMap's config.yaml that must carve thin volumes (every other one is thick).</summary>
    public IReadOnlyList<string> ThinClasses { get; init; } = [];

    public override string ToString() => Directory;
}
