using System.CommandLine;
using Stratum.Csi;

namespace Stratum.Cli.Commands;

internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print Stratum's version and CSI driver name.");
        command.SetAction(result =>
        {
            result.InvocationConfiguration.Output.WriteLine($"stratum {PluginInfo.Default.Version} (CSI driver {PluginInfo.Default.Name}, .NET {Environment.Version})");
            return 0;
        });
        return command;
    }
}
