using System.Net;
using Microsoft.Extensions.Logging;
using Stratum.Csi.Grpc;

namespace Stratum.Csi.Hosting;

public enum LogFormat
{
    Text,
    Json,
}

/// <summary>Everything <c>stratum node</c> is started with, parsed and checked by the CLI.</summary>
public sealed record NodeOptions
{
    /// <summary>Where CSI is served: the Unix socket kubelet and the sidecars use, optionally a TCP port.</summary>
    public required IReadOnlyList<ServerEndpoint> Endpoints { get; init; }

    /// <summary>This node's name: the CSI node id and the topology value.</summary>
    public required string NodeId { get; init; }

    /// <summary>Where cgroup v2 is mounted: the pods' cgroups, whose io.max carries volumes' IO limits.</summary>
    public string CgroupRoot { get; init; } = Volumes.IoLimits.PodCgroups.DefaultRoot;

    /// <summary>The device-class configuration file, if any (reloaded when it changes).</summary>
    public string? ConfigPath { get; init; }

    /// <summary>A file of <c>key=value</c> lines with this node's labels, for the configuration's node selectors.</summary>
    public string? NodeLabelsFile { get; init; }

    /// <summary>This node's labels given on the command line (<c>--node-label</c>, <c>STRATUM_NODE_LABELS</c>); they win over the file's.</summary>
    public IReadOnlyDictionary<string, string> NodeLabels { get; init; } = new Dictionary<string, string>();

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>How long in-flight calls may run after SIGTERM before they are cancelled.</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxMessageBytes { get; init; } = GrpcServerOptions.DefaultMaxMessageBytes;

    /// <summary>Where Prometheus <c>/metrics</c> is served; null (the default): no metrics endpoint.</summary>
    public IPEndPoint? MetricsEndpoint { get; init; }
}
