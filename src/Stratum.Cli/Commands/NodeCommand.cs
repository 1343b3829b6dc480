using System.CommandLine;
using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;

namespace Stratum.Cli.Commands;

/// <summary><c>stratum node</c>: run the CSI plugin (Identity, Controller and Node services) on this node.</summary>
internal static class NodeCommand
{
    public const string DefaultEndpoint = "unix:///csi/csi.sock";

    public static Command Create()
    {
        var endpoints = new Option<string[]>("--endpoint")
        {
            Description = $"Where to serve CSI: unix:///PATH or tcp://IP:PORT; repeat for several. Default: $CSI_ENDPOINT or {DefaultEndpoint}.",
        };
        var nodeId = new Option<string?>("--node-id")
        {
            Description = "This node's name (CSI node id and topology value). Default: $NODE_NAME.",
        };
        var config = new Option<FileInfo?>("--config")
        {
            Description = "Device-class configuration file (YAML); changes are applied while running.",
        };
        var labelsFile = new Option<FileInfo?>("--node-labels-file")
        {
            Description = "File of key=value lines with this node's labels, for the configuration's node selectors (re-read when it changes).",
        };
        var labels = new Option<string[]>("--node-label")
        {
            Description = "A label of this node, key=value; repeat for several. Default: $STRATUM_NODE_LABELS (k=v,k2=v2). Wins over the labels file.",
        };
        var cgroupRoot = new Option<string?>("--cgroup-root")
        {
            Description = "Where cgroup v2 is mounted (the pods' cgroups, for IO limits). Default: /sys/fs/cgroup.",
        };
        var logLevel = OptionValues.Enum("--log-level", "Least severe log level written.", LogLevel.Information);
        var logFormat = OptionValues.Enum("--log-format", "Log line format.", LogFormat.Text);
        var grace = OptionValues.Number("--shutdown-grace-seconds", "After SIGTERM, how long in-flight calls may finish before they are cancelled.", "seconds", 30);

        var metrics = new Option<string?>("--metrics-address")
        {
            Description = "Serve Prometheus /metrics here (PORT, :PORT or IP:PORT). Default: off.",
        };

        var command = new Command("node", "Run the Stratum CSI plugin until SIGTERM.")
        {
            endpoints, nodeId, config, labelsFile, labels, cgroupRoot, logLevel, logFormat, grace, metrics,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var options = new NodeOptions
            {
                Endpoints = ParseEndpoints(result.GetValue(endpoints)),
                NodeId = ValidateNodeId(result.GetValue(nodeId) ?? Environment.GetEnvironmentVariable("NODE_NAME")),
                ConfigPath = ValidateConfig(result.GetValue(config)),
                NodeLabelsFile = result.GetValue(labelsFile)?.FullName,
                NodeLabels = ParseLabels(result.GetValue(labels)),
                CgroupRoot = result.GetValue(cgroupRoot) is { Length: > 0 } root ? root : Volumes.IoLimits.PodCgroups.DefaultRoot,
                LogLevel = result.GetValue(logLevel),
                LogFormat = result.GetValue(logFormat),
                ShutdownGracePeriod = result.GetValue(grace) is var seconds and >= 0
                    ? TimeSpan.FromSeconds(seconds)
                    : throw new UsageException("--shutdown-grace-seconds cannot be negative"),
                MetricsEndpoint = ControllerCommand.Address(result.GetValue(metrics), "--metrics-address"),
            };
            return NodeHost.RunAsync(options, cancellationToken);
        });
        return command;
    }

    private static IReadOnlyList<ServerEndpoint> ParseEndpoints(string[]? values)
    {
        if (values is null || values.Length == 0)
        {
            values = [Environment.GetEnvironmentVariable("CSI_ENDPOINT") is { Length: > 0 } env ? env : DefaultEndpoint];
        }

        var parsed = new List<ServerEndpoint>();
        foreach (var value in values)
        {
            if (!ServerEndpoint.TryParse(value, out var endpoint, out var error))
            {
                throw new UsageException($"--endpoint: {error}");
            }

            parsed.Add(endpoint);
        }

        return parsed;
    }

    /// <summary>The --node-label flags, or $STRATUM_NODE_LABELS when there are none.</summary>
    internal static IReadOnlyDictionary<string, string> ParseLabels(string[]? flags)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var items = flags is { Length: > 0 } ? flags
            : Environment.GetEnvironmentVariable("STRATUM_NODE_LABELS") is { Length: > 0 } env ? [env]
            : [];
        foreach (var item in items)
        {
            try
            {
                foreach (var (key, value) in NodeLabelSource.ParseList(item))
                {
                    labels[key] = value;
                }
            }
            catch (FormatException e)
            {
                throw new UsageException($"--node-label: {e.Message}");
            }
        }

        return labels;
    }

    /// <summary>The node id becomes a topology label value, so it must be a valid one.</summary>
    internal static string ValidateNodeId(string? nodeId)
    {
        if (string.IsNullOrEmpty(nodeId))
        {
            throw new UsageException("--node-id is required (or set NODE_NAME)");
        }

        if (!Names.IsNodeName(nodeId))
        {
            throw new UsageException($"--node-id '{nodeId}' must be a valid Kubernetes label value (at most 63 characters: letters, digits, '-', '_', '.', starting and ending with a letter or digit), since it is the topology value");
        }

        return nodeId;
    }

    private static string? ValidateConfig(FileInfo? config) =>
        config is null ? null
        : config.Exists ? config.FullName
        : throw new UsageException($"--config: {config.FullName} does not exist");
}
