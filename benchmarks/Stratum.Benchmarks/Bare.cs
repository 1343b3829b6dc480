using System.Diagnostics;

namespace Stratum.Benchmarks;

/// <summary>Runs a command the way any careful caller does, with nothing of Stratum's in between.</summary>
internal static class Bare
{
    /// <summary>argv, LC_ALL=C, stdin closed, both pipes read to the end; returns stdout. Throws unless the exit code is <paramref name="expectedExit"/> (null: any).</summary>
    public static async Task<string> RunAsync(IReadOnlyList<string> argv, int? expectedExit = 0)
    {
        var start = new ProcessStartInfo(argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["LC_ALL"] = "C";
        start.Environment["LANG"] = "C";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await Task.WhenAll(stdout, stderr);
        if (expectedExit is { } expected && process.ExitCode != expected)
        {
            throw new InvalidOperationException($"{string.Join(' ', argv)} exited with {process.ExitCode}: {(await stderr).Trim()}");
        }

        return await stdout;
    }

    /// <summary>Wall time of <see cref="RunAsync"/>, ms.</summary>
    public static async Task<double> TimeAsync(IReadOnlyList<string> argv, int? expectedExit = 0)
    {
        var started = Stopwatch.GetTimestamp();
        await RunAsync(argv, expectedExit);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
}
