using System.CommandLine;
using Stratum.Cli.Commands;

namespace Stratum.Cli;

/// <summary>The <c>stratum</c> command line: <c>node</c>, <c>csi</c>, <c>version</c>.</summary>
public static class StratumCli
{
    /// <summary>Exit code for a command line that does not parse or does not validate.</summary>
    public const int UsageError = 2;

    public static RootCommand Build() =>
        new("Stratum: node-local persistent volumes for Kubernetes, carved on demand from LVM.")
        {
            NodeCommand.Create(),
            ControllerCommand.Create(),
            GcCommand.Create(),
            CsiCommand.Create(),
            VersionCommand.Create(),
        };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = Build();
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var parseError in result.Errors)
            {
                await error.WriteLineAsync($"stratum: {parseError.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run 'stratum --help' (or 'stratum COMMAND --help') for usage.").ConfigureAwait(false);
            return UsageError;
        }

        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            // `stratum node` drains in-flight calls on SIGTERM itself; don't let the parser kill it.
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return await result.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync($"stratum: {ex.Message}").ConfigureAwait(false);
            return UsageError;
        }
    }
}

/// <summary>A flag value that parsed but does not make sense; reported with exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
