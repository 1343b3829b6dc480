using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using Stratum.Csi;
using Stratum.Csi.Hosting;
using Stratum.Kube.Extender;
using Stratum.Kube.Hosting;
using Stratum.Kube.NodeLoss;
using Stratum.Metrics;

namespace Stratum.Cli.Commands;

/// <summary><c>stratum controller</c>: the cluster-wide part (node loss, scheduler extender), one Deployment, leader-elected.</summary>
internal static class ControllerCommand
{
    public static Command Create()
    {
        var kubeconfig = new Option<FileInfo?>("--kubeconfig") { Description = "Kubeconfig file. Default: in-cluster credentials, else ~/.kube/config." };
        var server = new Option<string?>("--server") { Description = "API server URL used without credentials (kubectl proxy, tests). Overrides --kubeconfig." };
        var ns = new Option<string?>("--namespace") { Description = "Namespace of the leader Lease. Default: $POD_NAMESPACE, else 'stratum'." };
        var identity = new Option<string?>("--identity") { Description = "This replica's name in the Lease and Events. Default: $POD_NAME, else the host name." };
        var leaderElect = new Option<bool>("--leader-elect") { Description = "Act on node loss only while holding the Lease (turn off for a single replica).", DefaultValueFactory = _ => true };
        var extender = new Option<string?>("--extender-address") { Description = "Serve the scheduler extender here (PORT, :PORT or IP:PORT). Default: no extender." };
        var scoring = new Option<string>("--scoring") { Description = "How the extender ranks nodes with room: spread or binpack.", DefaultValueFactory = _ => "spread" };
        var metrics = new Option<string?>("--metrics-address") { Description = "Serve Prometheus /metrics here (PORT, :PORT or IP:PORT). Default: off." };
        var delay = new Option<double>("--node-loss-delay-seconds") { Description = "How long a Node must stay deleted before its claims are released (where the StorageClass allows).", DefaultValueFactory = _ => 60 };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Least severe log level written.", DefaultValueFactory = _ => LogLevel.Information };
        var logFormat = new Option<LogFormat>("--log-format") { Description = "Log line format: Text or Json.", DefaultValueFactory = _ => LogFormat.Text };

        var command = new Command("controller", "Run the cluster-wide controller (node loss, scheduler extender) until SIGTERM.")
        {
            kubeconfig, server, ns, identity, leaderElect, extender, scoring, metrics, delay, logLevel, logFormat,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var options = new ControllerOptions
            {
                Kubeconfig = ExistingFile(result.GetValue(kubeconfig), "--kubeconfig"),
                Server = result.GetValue(server),
                Namespace = result.GetValue(ns) ?? (Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } podNs ? podNs : "stratum"),
                Identity = result.GetValue(identity) ?? (Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : Environment.MachineName),
                LeaderElect = result.GetValue(leaderElect),
                ExtenderEndpoint = Address(result.GetValue(extender), "--extender-address"),
                Scoring = result.GetValue(scoring) switch
                {
                    "spread" => ScoringPolicy.Spread,
                    "binpack" => ScoringPolicy.Binpack,
                    var other => throw new UsageException($"--scoring '{other}': expected spread or binpack"),
                },
                MetricsEndpoint = Address(result.GetValue(metrics), "--metrics-address"),
                NodeLoss = new NodeLossOptions
                {
                    Delay = result.GetValue(delay) is var seconds and >= 0
                        ? TimeSpan.FromSeconds(seconds)
                        : throw new UsageException("--node-loss-delay-seconds cannot be negative"),
                },
                Version = PluginInfo.Default.Version,
            };
            using var loggerFactory = StratumLogging.Create(result.GetValue(logLevel), result.GetValue(logFormat));
            return await ControllerHost.RunAsync(options, loggerFactory, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    internal static IPEndPoint? Address(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        return MetricsEndpoint.TryParseAddress(text, out var endpoint, out var error)
            ? endpoint
            : throw new UsageException($"{option}: {error}");
    }

    internal static string? ExistingFile(FileInfo? file, string option) =>
        file is null ? null
        : file.Exists ? file.FullName
        : throw new UsageException($"{option}: {file.FullName} does not exist");
}
