using System.CommandLine;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.StatusApi;

namespace Stratum.Cli.Commands;

/// <summary>
/// <c>stratum status</c>: what the running plugin on this node knows (configuration generation and
/// last error, device classes with capacity, VGs, pools, volumes, disks, recovery), asked through
/// its socket. It never runs LVM itself.
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var endpoint = new Option<string>("--endpoint")
        {
            Description = $"The plugin to ask: unix:///PATH or tcp://IP:PORT. Default: $CSI_ENDPOINT or {NodeCommand.DefaultEndpoint}.",
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "Seconds to wait for the answer.",
            DefaultValueFactory = _ => 10,
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print the status as JSON (protobuf JSON mapping) instead of text.",
        };

        var command = new Command("status", "Show the running plugin's configuration, classes, volume groups, pools, volumes and disks.")
        {
            endpoint, timeout, json,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var target = CsiCommand.ResolveEndpoint(result.GetValue(endpoint));
            var seconds = CsiCommand.PositiveSeconds(result.GetValue(timeout));
            using var client = new CsiClient(target);
            GetStatusResponse status;
            try
            {
                status = await client.Status.GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(seconds), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                var reason = CsiClient.Unreachable(ex)?.Message ?? $"{ex.StatusCode.ToWireName()}: {ex.Status.Detail}";
                await result.InvocationConfiguration.Error.WriteLineAsync($"status failed: {reason}").ConfigureAwait(false);
                return 1;
            }

            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(json))
            {
                await ResponsePrinter.PrintAsync(status, asJson: true, output).ConfigureAwait(false);
            }
            else
            {
                await output.WriteAsync(StatusPrinter.Format(status)).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }
}
