using System.CommandLine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Csi.Hosting;
using Stratum.Kube.Client;
using Stratum.Kube.Gc;
using Stratum.Lvm;
using Stratum.Platform.Exec;
using Stratum.Metrics;
using Stratum.Volumes;

namespace Stratum.Cli.Commands;

/// <summary>
/// <c>stratum gc --dry-run</c>: on a node, prints which of Stratum's volumes have no
/// PersistentVolume (and would go with <c>gc: delete</c>) and which PVs of this node lost their
/// volume. It only reads: deleting is left to the running plugin, which holds the per-volume locks.
/// </summary>
internal static class GcCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Report only (required: deletion is done by the running plugin with gc: delete)." };
        var nodeId = new Option<string?>("--node-id") { Description = "This node's id (the topology value). Default: $NODE_NAME." };
        var kubeconfig = new Option<FileInfo?>("--kubeconfig") { Description = "Kubeconfig file. Default: in-cluster credentials, else ~/.kube/config." };
        var server = new Option<string?>("--server") { Description = "API server URL used without credentials (kubectl proxy, tests). Overrides --kubeconfig." };
        var grace = new Option<double>("--grace-period-seconds") { Description = "Volumes younger than this are not orphans yet.", DefaultValueFactory = _ => 3600 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };

        var command = new Command("gc", "Report Stratum volumes without a PersistentVolume, and PersistentVolumes without their volume.")
        {
            dryRun, nodeId, kubeconfig, server, grace, json,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!result.GetValue(dryRun))
            {
                throw new UsageException("stratum gc only reports: pass --dry-run (orphans are deleted by the running plugin when its config says gc: delete)");
            }

            var node = NodeCommand.ValidateNodeId(result.GetValue(nodeId) ?? Environment.GetEnvironmentVariable("NODE_NAME"));
            var seconds = result.GetValue(grace);
            if (seconds < 0)
            {
                throw new UsageException("--grace-period-seconds cannot be negative");
            }

            using var api = Connect(ControllerCommand.ExistingFile(result.GetValue(kubeconfig), "--kubeconfig"), result.GetValue(server));
            var runner = new CommandRunner(new CommandRunnerOptions(), NullLogger<CommandRunner>.Instance);
            var catalog = new VolumeCatalog(new LvmCli(runner, new LvmOptions(), NullLogger<LvmCli>.Instance));
            var collector = new OrphanCollector(
                new CatalogVolumeSource(catalog),
                new RefusingRemover(),
                new KubeClusterVolumeReader(api),
                node,
                new GcOptions { Mode = GcMode.Report, GracePeriod = TimeSpan.FromSeconds(seconds), AssumeOldWhenAgeUnknown = true },
                NullStratumMetrics.Instance,
                NullLogger.Instance);
            var report = await collector.RunOnceAsync(GcMode.Report, cancellationToken).ConfigureAwait(false);
            var output = result.InvocationConfiguration.Output;
            await output.WriteAsync(result.GetValue(json) ? report.ToJson() + Environment.NewLine : report.ToText()).ConfigureAwait(false);
            return report.Outcome == GcOutcome.Completed ? 0 : 1;
        });
        return command;
    }

    /// <summary>The API connection; a missing or malformed kubeconfig or service account is reported as one line, not a stack trace.</summary>
    private static KubeConnection Connect(string? kubeconfig, string? server)
    {
        try
        {
            return KubeConnection.Create(kubeconfig, server);
        }
        catch (KubeConfigException e)
        {
            throw new UsageException($"no Kubernetes credentials: {e.Message}");
        }
    }

    /// <summary>A dry run never deletes.</summary>
    private sealed class RefusingRemover : IVolumeRemover
    {
        public Task DeleteAsync(NodeVolume volume, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("a dry run deletes nothing");
    }
}
