using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Platform.Exec;

namespace Stratum.Testing.Tests.TestSupport;

/// <summary>Runs host tools (blockdev, mkfs, mount, losetup) for the device-backing tests.</summary>
internal static class Shell
{
    private static readonly CommandRunner Runner = new(new CommandRunnerOptions { DefaultTimeout = TimeSpan.FromSeconds(60) }, NullLogger<CommandRunner>.Instance);

    /// <summary>Runs the program and returns its stdout; a non-zero exit code fails the test.</summary>
    public static async Task<string> RunAsync(string program, params string[] args)
    {
        var result = await Runner.RunAsync(new CommandSpec(program, args), CancellationToken.None);
        Assert.True(result.Succeeded, $"{program} {string.Join(' ', args)} exited {result.ExitCode}: {result.StandardError}");
        return result.StandardOutput;
    }

    /// <summary>Runs the program and returns its exit code, whatever it is.</summary>
    public static async Task<int> TryRunAsync(string program, params string[] args) =>
        (await Runner.RunAsync(new CommandSpec(program, args), CancellationToken.None)).ExitCode;

    public static async Task<long> DeviceSizeAsync(string device) =>
        long.Parse((await RunAsync("blockdev", "--getsize64", device)).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Loop devices attached to <paramref name="file"/> (<c>losetup -j</c>).</summary>
    public static async Task<string> LoopDevicesOfAsync(string file) => (await RunAsync("losetup", "-j", file)).Trim();
}
