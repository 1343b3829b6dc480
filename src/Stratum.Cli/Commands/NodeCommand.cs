using System.CommandLine;
using Microsoft.Extensions.Logging;
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
            Description = "Device-class configuration file (YAML).",
        };
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "Least severe log level written: Trace, Debug, Information, Warning, Error.",
            DefaultValueFactory = _ => LogLevel.Information,
        };
        var logFormat = new Option<LogFormat>("--log-format")
        {
            Description = "Log line format: Text or Json.",
            DefaultValueFactory = _ => LogFormat.Text,
        };
        var grace = new Option<double>("--shutdown-grace-seconds")
        {
            Description = "After SIGTERM, how long in-flight calls may finish before they are cancelled.",
            DefaultValueFactory = _ => 30,
        };

        var metrics = new Option<string?>("--metrics-address")
        {
            Description = "Serve Prometheus /metrics here (PORT, :PORT or IP:PORT). Default: off.",
        };

        var command = new Command("node", "Run the Stratum CSI plugin until SIGTERM.")
        {
            endpoints, nodeId, config, logLevel, logFormat, grace, metrics,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var options = new NodeOptions
            {
                Endpoints = ParseEndpoints(result.GetValue(endpoints)),
                NodeId = ValidateNodeId(result.GetValue(nodeId) ?? Environment.GetEnvironmentVariable("NODE_NAME")),
                ConfigPath = ValidateConfig(result.GetValue(config)),
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

    /// <summary>The node id becomes a topology label value, so it must be a valid one.</summary>
    internal static string ValidateNodeId(string? nodeId)
    {
        if (string.IsNullOrEmpty(nodeId))
        {
            throw new UsageException("--node-id is required (or set NODE_NAME)");
        }

        if (!IsLabelValue(nodeId))
        {
            throw new UsageException($"--node-id '{nodeId}' must be a valid Kubernetes label value (at most 63 characters: letters, digits, '-', '_', '.', starting and ending with a letter or digit), since it is the topology value");
        }

        return nodeId;
    }

    private static string? ValidateConfig(FileInfo? config) =>
        config is null ? null
        : config.Exists ? config.FullName
        : throw new UsageException($"--config: {config.FullName} does not exist");

    /// <summary>A Kubernetes label value: 1-63 of [A-Za-z0-9-_.], alphanumeric at both ends.</summary>
    private static bool IsLabelValue(string value) =>
        value.Length is > 0 and <= 63
        && char.IsAsciiLetterOrDigit(value[0])
        && char.IsAsciiLetterOrDigit(value[^1])
        && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
