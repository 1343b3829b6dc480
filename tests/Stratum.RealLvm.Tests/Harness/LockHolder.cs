using System.Diagnostics;

namespace Stratum.RealLvm.Tests.Harness;

/// <summary>An <c>flock(1)</c> process holding a VG's LVM lock exclusively until disposed.</summary>
public sealed class LockHolder : IAsyncDisposable
{
    private readonly Process _process;

    private LockHolder(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    public static async Task<LockHolder> StartAsync(string vgName)
    {
        Directory.CreateDirectory("/run/lock/lvm");
        var start = new ProcessStartInfo("flock")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--exclusive", LockFile(vgName), "sh", "-c", "echo locked; exec sleep 600" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start flock");
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(limit.Token);
        if (line != "locked")
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"flock did not take {LockFile(vgName)} (said '{line}')");
        }

        return new LockHolder(process);
    }

    /// <summary>Whether someone holds the lock (a non-blocking shared flock fails).</summary>
    public static async Task<bool> IsHeldAsync(string vgName) =>
        (await Sh.TryRunAsync("flock", "--shared", "--nonblock", LockFile(vgName), "true")).ExitCode == 1;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static string LockFile(string vgName) => $"/run/lock/lvm/V_{vgName}";
}
