namespace Stratum.Deploy.Tests.Expectations;

/// <summary>
/// What deploy/ must render to. Adding a sidecar, a workload or an overlay is an entry here:
/// the tests in this project iterate these tables. Permission lists come from what each pinned
/// sidecar does at that version (its own RBAC file and code), narrowed to how Stratum runs it;
/// the comments in deploy/*/rbac-*.yaml say why each line is there.
/// </summary>
public static class Tables
{
    public const string Driver = "lvm.stratum.dev";
    public const string Namespace = "stratum-system";
    public const string NodeServiceAccount = "stratum-node";

    /// <summary>The socket every container of the node pod reaches the plugin at.</summary>
    public const string SocketInPod = "/csi/csi.sock";

    private static readonly string[] ReadWatch = ["get", "list", "watch"];
    private static readonly string[] EventVerbs = ["list", "watch", "create", "update", "patch"];
    private static readonly string[] LeaseVerbs = ["get", "watch", "list", "delete", "update", "create"];

    /// <summary>Flags of csi-lib-utils' standardflags, shared by the kubernetes-csi sidecars that use it.</summary>
    private static readonly string[] StandardFlags =
    [
        "--v", "--version", "--kubeconfig", "--csi-address", "--leader-election", "--leader-election-namespace",
        "--leader-election-lease-duration", "--leader-election-renew-deadline", "--leader-election-retry-period",
        "--leader-election-labels", "--kube-api-qps", "--kube-api-burst", "--http-endpoint", "--metrics-address", "--metrics-path",
    ];

    public static ContainerExpectation Plugin { get; } = new()
    {
        Name = "stratum",
        Repository = "stratum",
        RequiredArgs = ["node", "--endpoint=unix:///csi/csi.sock", "--node-id=$(NODE_NAME)", "--config=/etc/stratum/config.yaml"],
        DownwardEnv = new Dictionary<string, string> { ["NODE_NAME"] = "spec.nodeName" },
        // LVM in the container: no udev there, so LVM manages its device nodes itself.
        Env = new Dictionary<string, string> { ["DM_DISABLE_UDEV"] = "1" },
        Health = new Health("/healthz", "--health-port", ServedBy: "liveness-probe"),
        Startup = true,
        Readiness = true,
        Privileged = true,
        SocketFlag = null,
        // The orphan GC: read-only lists, fresh each pass; the VolumeAttributesClass watcher:
        // informers on PVs and classes (deploy/base/rbac-node-gc.yaml).
        ClusterRoleName = "stratum-node-gc",
        ClusterPermissions =
        [
            new("", "nodes", "list"),
            new("", "persistentvolumes", "list"),
            new("", "persistentvolumes", "watch"),
            new("", "persistentvolumeclaims", "list"),
            new("storage.k8s.io", "volumeattributesclasses", "list"),
            new("storage.k8s.io", "volumeattributesclasses", "watch"),
        ],
    };

    public static ContainerExpectation Controller { get; } = new()
    {
        Name = "controller",
        Repository = "stratum",
        RequiredArgs = ["controller", "--extender-address=:8099", "--metrics-address=:9809"],
        DownwardEnv = new Dictionary<string, string> { ["POD_NAME"] = "metadata.name", ["POD_NAMESPACE"] = "metadata.namespace" },
        ClusterRoleName = "stratum-controller",
        ClusterPermissions =
        [
            new("", "nodes", ReadWatch),
            new("", "persistentvolumes", "get", "list", "watch", "patch", "delete"),
            new("", "persistentvolumeclaims", "get", "list", "watch", "delete"),
            new("", "pods", "list", "delete"),
            new("", "events", "create", "patch"),
            new("storage.k8s.io", "storageclasses", ReadWatch),
            new("storage.k8s.io", "csistoragecapacities", ReadWatch),
        ],
        RoleName = "stratum-controller-lease",
        NamespacePermissions = [new("coordination.k8s.io", "leases", "get", "create", "update")],
        Health = new Health("/healthz", "--extender-address"),
        Readiness = true,
        SocketFlag = null,
    };

    public static ContainerExpectation Provisioner { get; } = new()
    {
        Name = "csi-provisioner",
        Repository = "registry.k8s.io/sig-storage/csi-provisioner",
        Tag = "v6.3.0",
        RequiredArgs =
        [
            "--csi-address=/csi/csi.sock", "--node-deployment", "--enable-capacity", "--capacity-ownerref-level=1", "--extra-create-metadata",
        ],
        KnownFlags =
        [
            .. StandardFlags, "--master", "--volume-name-prefix", "--volume-name-uuid-length", "--retry-interval-start", "--retry-interval-max",
            "--worker-threads", "--cloning-protection-threads", "--snapshot-orphan-sweep-interval", "--capacity-threads", "--timeout",
            "--strict-topology", "--immediate-topology", "--extra-create-metadata", "--enable-pprof", "--default-fstype",
            "--kube-api-capacity-burst", "--enable-capacity", "--capacity-for-immediate-binding", "--capacity-poll-interval",
            "--capacity-ownerref-level", "--node-deployment", "--node-deployment-immediate-binding", "--node-deployment-base-delay",
            "--node-deployment-max-delay", "--controller-publish-readonly", "--prevent-volume-mode-conversion", "--feature-gates",
        ],
        DownwardEnv = new Dictionary<string, string>
        {
            ["NODE_NAME"] = "spec.nodeName", ["NAMESPACE"] = "metadata.namespace", ["POD_NAME"] = "metadata.name",
        },
        ClusterRoleName = "stratum-external-provisioner",
        ClusterPermissions =
        [
            new("", "persistentvolumes", "get", "list", "watch", "create", "patch", "delete"),
            new("", "persistentvolumeclaims", "get", "list", "watch", "update"),
            new("storage.k8s.io", "storageclasses", ReadWatch),
            new("", "events", EventVerbs),
            new("storage.k8s.io", "csinodes", ReadWatch),
            new("", "nodes", ReadWatch),
            new("snapshot.storage.k8s.io", "volumesnapshots", "get", "list", "watch", "update"),
            new("snapshot.storage.k8s.io", "volumesnapshotcontents", "get", "list"),
        ],
        RoleName = "stratum-external-provisioner",
        NamespacePermissions =
        [
            new("storage.k8s.io", "csistoragecapacities", "get", "list", "watch", "create", "update", "patch", "delete"),
            new("", "pods", "get"),
        ],
    };

    public static ContainerExpectation Resizer { get; } = new()
    {
        Name = "csi-resizer",
        Repository = "registry.k8s.io/sig-storage/csi-resizer",
        Tag = "v2.2.1",
        // Trivial mode, leader-elected across the DaemonSet; no pod watch (Stratum grows online).
        RequiredArgs = ["--csi-address=/csi/csi.sock", "--leader-election", "--leader-election-namespace=$(NAMESPACE)", "--handle-volume-inuse-error=false"],
        KnownFlags =
        [
            .. StandardFlags, "--master", "--resync-period", "--workers", "--extra-modify-metadata", "--timeout", "--retry-interval-start",
            "--retry-interval-max", "--handle-volume-inuse-error", "--feature-gates",
        ],
        DownwardEnv = new Dictionary<string, string> { ["NAMESPACE"] = "metadata.namespace" },
        ClusterRoleName = "stratum-external-resizer",
        ClusterPermissions =
        [
            new("", "persistentvolumes", "get", "list", "watch", "patch"),
            new("", "persistentvolumeclaims", ReadWatch),
            new("", "persistentvolumeclaims/status", "patch"),
            new("", "events", EventVerbs),
        ],
        RoleName = "stratum-external-resizer",
        NamespacePermissions = [new("coordination.k8s.io", "leases", LeaseVerbs)],
        Health = new Health("/healthz/leader-election", "--http-endpoint"),
    };

    public static ContainerExpectation Registrar { get; } = new()
    {
        Name = "node-driver-registrar",
        Repository = "registry.k8s.io/sig-storage/csi-node-driver-registrar",
        Tag = "v2.17.0",
        RequiredArgs = ["--csi-address=/csi/csi.sock", $"--kubelet-registration-path=/var/lib/kubelet/plugins/{Driver}/csi.sock"],
        KnownFlags =
        [
            "--v", "--connection-timeout", "--timeout", "--csi-address", "--plugin-registration-path", "--kubelet-registration-path",
            "--health-port", "--http-endpoint", "--version", "--mode", "--enable-pprof",
        ],
        Health = new Health("/healthz", "--http-endpoint"),
    };

    public static ContainerExpectation LivenessProbe { get; } = new()
    {
        Name = "liveness-probe",
        Repository = "registry.k8s.io/sig-storage/livenessprobe",
        Tag = "v2.19.0",
        RequiredArgs = ["--csi-address=/csi/csi.sock"],
        KnownFlags = ["--v", "--probe-timeout", "--csi-address", "--health-port", "--metrics-address", "--http-endpoint", "--metrics-path"],
    };

    public static ContainerExpectation Snapshotter { get; } = new()
    {
        Name = "csi-snapshotter",
        Repository = "registry.k8s.io/sig-storage/csi-snapshotter",
        Tag = "v8.6.0",
        RequiredArgs = ["--csi-address=/csi/csi.sock", "--node-deployment"],
        KnownFlags =
        [
            .. StandardFlags, "--resync-period", "--snapshot-name-prefix", "--snapshot-name-uuid-length", "--worker-threads", "--timeout",
            "--extra-create-metadata", "--retry-interval-start", "--retry-interval-max", "--node-deployment", "--groupsnapshot-name-prefix",
            "--groupsnapshot-name-uuid-length", "--feature-gates",
        ],
        DownwardEnv = new Dictionary<string, string> { ["NODE_NAME"] = "spec.nodeName" },
        ClusterRoleName = "stratum-external-snapshotter",
        ClusterPermissions =
        [
            new("", "events", EventVerbs),
            new("snapshot.storage.k8s.io", "volumesnapshotclasses", ReadWatch),
            new("snapshot.storage.k8s.io", "volumesnapshotcontents", "get", "list", "watch", "update", "patch"),
            new("snapshot.storage.k8s.io", "volumesnapshotcontents/status", "update", "patch"),
        ],
    };

    public static ContainerExpectation SnapshotController { get; } = new()
    {
        Name = "snapshot-controller",
        Repository = "registry.k8s.io/sig-storage/snapshot-controller",
        Tag = "v8.6.0",
        RequiredArgs = ["--leader-election=true", "--enable-distributed-snapshotting"],
        KnownFlags =
        [
            "--v", "--kubeconfig", "--resync-period", "--version", "--worker-threads", "--leader-election", "--leader-election-namespace",
            "--leader-election-lease-duration", "--leader-election-renew-deadline", "--leader-election-retry-period", "--kube-api-qps",
            "--kube-api-burst", "--http-endpoint", "--metrics-path", "--retry-interval-start", "--retry-interval-max",
            "--enable-distributed-snapshotting", "--prevent-volume-mode-conversion", "--retry-crd-interval-max", "--feature-gates",
        ],
        ClusterRoleName = "stratum-snapshot-controller",
        ClusterPermissions =
        [
            new("", "persistentvolumes", ReadWatch),
            new("", "persistentvolumeclaims", "get", "list", "watch", "update"),
            new("", "events", EventVerbs),
            new("", "nodes", ReadWatch),
            new("snapshot.storage.k8s.io", "volumesnapshotclasses", ReadWatch),
            new("snapshot.storage.k8s.io", "volumesnapshotcontents", "create", "get", "list", "watch", "update", "delete", "patch"),
            new("snapshot.storage.k8s.io", "volumesnapshotcontents/status", "patch"),
            new("snapshot.storage.k8s.io", "volumesnapshots", "create", "get", "list", "watch", "update", "patch", "delete"),
            new("snapshot.storage.k8s.io", "volumesnapshots/status", "update", "patch"),
        ],
        RoleName = "snapshot-controller-leaderelection",
        NamespacePermissions = [new("coordination.k8s.io", "leases", LeaseVerbs)],
        Health = new Health("/healthz/leader-election", "--http-endpoint"),
        SocketFlag = null,
    };

    private static WorkloadExpectation NodePlugin(params ContainerExpectation[] extra) =>
        new("DaemonSet", Namespace, "stratum-node", NodeServiceAccount, "system-node-critical",
            [Plugin, Provisioner, Resizer, Registrar, LivenessProbe, .. extra]);

    private static readonly WorkloadExpectation SnapshotControllerDeployment =
        new("Deployment", "kube-system", "snapshot-controller", "snapshot-controller", "system-cluster-critical", [SnapshotController]);

    private static readonly WorkloadExpectation ControllerDeployment =
        new("Deployment", Namespace, "stratum-controller", "stratum-controller", "system-cluster-critical", [Controller]);

    private static readonly string[] ThickClasses = ["stratum-ext4", "stratum-xfs", "stratum-block"];

    public static IReadOnlyList<OverlayExpectation> Overlays { get; } =
    [
        new() { Directory = "base", Workloads = [NodePlugin()] },
        new() { Directory = "overlays/thick-only", Workloads = [NodePlugin()], StorageClasses = ThickClasses },
        new()
        {
            Directory = "overlays/thin",
            Workloads = [NodePlugin()],
            StorageClasses = [.. ThickClasses, "stratum-thin"],
            ThinClasses = ["thin"],
        },
        new()
        {
            Directory = "overlays/distributed-snapshotting",
            Workloads = [NodePlugin(Snapshotter), SnapshotControllerDeployment],
            StorageClasses = [.. ThickClasses, "stratum-thin"],
            SnapshotClasses = ["stratum-snapshot"],
            ThinClasses = ["thin"],
        },
        new()
        {
            Directory = "overlays/full",
            Workloads = [NodePlugin(), ControllerDeployment],
            StorageClasses = [.. ThickClasses, "stratum-thin"],
            ThinClasses = ["thin"],
        },
    ];

    /// <summary>Every overlay, as xunit theory data.</summary>
    public static TheoryData<string> OverlayDirectories => [.. Overlays.Select(o => o.Directory)];

    public static OverlayExpectation Overlay(string directory) => Overlays.Single(o => o.Directory == directory);

    /// <summary>Every (overlay, workload, container) triple, as xunit theory data.</summary>
    public static TheoryData<string, string, string> Containers
    {
        get
        {
            var data = new TheoryData<string, string, string>();
            foreach (var overlay in Overlays)
            {
                foreach (var workload in overlay.Workloads)
                {
                    foreach (var container in workload.Containers)
                    {
                        data.Add(overlay.Directory, workload.Name, container.Name);
                    }
                }
            }

            return data;
        }
    }
}
