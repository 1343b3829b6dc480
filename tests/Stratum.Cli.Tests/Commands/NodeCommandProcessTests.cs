using System.Diagnostics;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;

namespace Stratum.Cli.Tests.Commands;

/// <summary><c>stratum node</c> as a real process: serves, and drains on SIGTERM.</summary>
public sealed class NodeCommandProcessTests
{
    [Fact]
    public async Task Node_Sigterm_FinishesAndRemovesSocket()
    {
        var directory = Path.Combine("/tmp", "stratum-node-" + Guid.NewGuid().ToString("N")[..10]);
        var socket = Path.Combine(directory, "csi.sock");
        var stratum = Path.Combine(AppContext.BaseDirectory, "stratum.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { stratum, "node", "--endpoint", "unix://" + socket, "--node-id", "proc-test" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var client = new CsiClient(ServerEndpoint.Parse(socket));
            var info = await WaitForServingAsync(client, process);
            Assert.Equal("lvm.stratum.dev", info.Name);

            Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(0, process.ExitCode);
            Assert.False(Stratum.Platform.FileStatus.Lstat(socket).Exists);
            var log = await stderr;
            Assert.Contains("Received SIGTERM", log, StringComparison.Ordinal);
            Assert.Contains("Stopped serving CSI", log, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<GetPluginInfoResponse> WaitForServingAsync(CsiClient client, Process process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            Assert.False(process.HasExited, "stratum node exited early");
            try
            {
                return await client.Identity.GetPluginInfoAsync(new GetPluginInfoRequest(), deadline: DateTime.UtcNow + TimeSpan.FromSeconds(5)).ResponseAsync;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
