using System.CommandLine;
using System.CommandLine.Parsing;
using Stratum.Cli.Commands;

namespace Stratum.Cli;

/// <summary>The <c>stratum</c> command line: <c>node</c>, <c>csi</c>, <c>status</c>, <c>version</c>.</summary>
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
            StatusCommand.Create(),
            VersionCommand.Create(),
        };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = Build();
        var result = root.Parse(args);
        var problems = Problems(result);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await error.WriteLineAsync($"stratum: {problem}").ConfigureAwait(false);
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

    /// <summary>
    /// What is wrong with the command line, most specific first. System.CommandLine reports
    /// "Required command was not provided." next to an unknown command or flag, which only hides the
    /// real problem, so that one is kept only when nothing else is wrong (and then says which
    /// command needs a sub-command). With --help it reports no error at all for an unknown command
    /// and prints the root help; an unknown token is an error there too.
    /// </summary>
    internal static IReadOnlyList<string> Problems(ParseResult result)
    {
        var specific = result.Errors.Where(e => !IsMissingSubcommand(e)).Select(e => e.Message).ToList();
        if (specific.Count > 0)
        {
            return specific;
        }

        if (result.UnmatchedTokens.Count > 0)
        {
            return result.UnmatchedTokens.Select(t => $"Unrecognized command or argument '{t}'.").ToList();
        }

        if (result.Errors.Any(IsMissingSubcommand))
        {
            var path = CommandPath(result.CommandResult.Command);
            return [$"'{path}' needs a command; run '{path} --help' to list them."];
        }

        return [];
    }

    /// <summary>System.CommandLine's error for a command that has sub-commands but was given none (its text is not localised here: invariant globalization, English resources only).</summary>
    private static bool IsMissingSubcommand(ParseError error) => error.Message == "Required command was not provided.";

    private static string CommandPath(Command command) =>
        command is RootCommand ? "stratum" : $"stratum {command.Name}";
}

/// <summary>A flag value that parsed but does not make sense; reported with exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
