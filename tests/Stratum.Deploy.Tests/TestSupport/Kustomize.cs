using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;

namespace Stratum.Deploy.Tests.TestSupport;

/// <summary>
/// Renders a kustomization of deploy/ with <c>kubectl kustomize</c> (offline), once per directory
/// per test run. kubectl comes from <c>$STRATUM_KUBECTL</c> or PATH.
/// </summary>
internal static class Kustomize
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> Rendered = new(StringComparer.Ordinal);

    /// <param name="directory">A directory relative to deploy/, e.g. <c>overlays/thin</c>.</param>
    public static string Render(string directory) =>
        Rendered.GetOrAdd(directory, d => new Lazy<string>(() => Run(d))).Value;

    private static string Run(string directory)
    {
        var kubectl = Environment.GetEnvironmentVariable("STRATUM_KUBECTL") is { Length: > 0 } k ? k : "kubectl";
        var start = new ProcessStartInfo(kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(Repo.Path("deploy", directory));
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {kubectl}");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(
                $"'{kubectl}' cannot be run ({ex.Message}): the manifest tests render deploy/ with `kubectl kustomize`; "
                + "install kubectl (scripts/ensure-kubectl says how) or point STRATUM_KUBECTL at one", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"kubectl kustomize deploy/{directory} took over a minute");
            }

            return process.ExitCode == 0
                ? stdout.Result
                : throw new InvalidOperationException($"kubectl kustomize deploy/{directory} failed ({process.ExitCode}): {stderr.Result}");
        }
    }
}
