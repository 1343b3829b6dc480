using System.Diagnostics;
using Stratum.Lvm;
using Stratum.Platform.Exec;
using Stratum.RealLvm.Tests.Harness;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Lvm;

/// <summary>
/// LVM's VG lock held by someone else. LVM 2.03 (file locking, no lvmlockd) takes an flock on
/// <c>/run/lock/lvm/V_&lt;vg&gt;</c>, shared to read a VG and exclusive to change it, and by default
/// waits for it as long as it takes. A node's LVM layer must neither hang with it nor hurt the holder.
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class LvmCliLockTests(VolumeGroupFixture vg, ITestOutputHelper output) : IClassFixture<VolumeGroupFixture>
{
    public static TheoryData<string> LockedCalls => [.. Calls.Keys];

    private static readonly Dictionary<string, Func<ILvm, string, Task>> Calls = new()
    {
        ["create (exclusive lock)"] = (l, vg) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = "blocked", SizeBytes = 4 << 20 }, default),
        ["change tags (exclusive lock)"] = (l, vg) => l.ChangeTagsAsync(vg, "held", ["blocked"], [], default),
        ["get (shared lock)"] = (l, vg) => l.GetLogicalVolumeAsync(vg, "held", default),
        ["list (shared lock)"] = (l, vg) => l.ListLogicalVolumesAsync(vg, default),
    };

    /// <remarks>
    /// LvmCli has no way to pass <c>--config</c> (nothing in production needs one), so the runner
    /// under it adds <c>--config global/wait_for_locks=0</c> to each command: LVM then reports the
    /// held lock at once instead of waiting, with the message the classifier must recognise.
    /// </remarks>
    [Theory]
    [MemberData(nameof(LockedCalls))]
    public async Task AnyOperation_VgLockHeldAndNoWaiting_ThrowsTransientLocked(string call)
    {
        await EnsureLvAsync();
        var lvm = LvmUnderTest.Cli(output, new AddConfigRunner(LvmUnderTest.Runner(output), "global/wait_for_locks=0"));
        await using var holder = await LockHolder.StartAsync(vg.VgName);

        var error = await Assert.ThrowsAsync<LvmLockedException>(() => Calls[call](lvm, vg.VgName));

        Assert.True(error.IsTransient);
        Assert.Equal(5, error.ExitCode);
        Assert.Contains($"/run/lock/lvm/V_{vg.VgName}: flock failed: Resource temporarily unavailable", error.StandardError, StringComparison.Ordinal);
        Assert.Contains($"Can't get lock for {vg.VgName}", error.StandardError, StringComparison.Ordinal);
        Assert.False(holder.HasExited);
    }

    [Fact]
    public async Task ChangeTags_VgLockHeldLongerThanTheTimeout_ThrowsTimeoutKillsLvmAndSparesTheHolder()
    {
        await EnsureLvAsync();
        var timeout = TimeSpan.FromSeconds(4);
        var lvm = LvmUnderTest.Cli(output, commandTimeout: timeout);
        await using (var holder = await LockHolder.StartAsync(vg.VgName))
        {
            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<LvmTimeoutException>(() => lvm.ChangeTagsAsync(vg.VgName, "held", ["late"], [], default));
            clock.Stop();

            Assert.True(error.IsTransient);
            Assert.Null(error.ExitCode);
            Assert.Equal(["lvm", "lvchange"], error.Command.Take(2));
            Assert.InRange(clock.Elapsed, timeout, timeout + TimeSpan.FromSeconds(20));
            Assert.Empty(LvmProcesses());                      // the blocked lvchange was killed
            Assert.False(holder.HasExited);                    // the holder was not touched
            Assert.True(await LockHolder.IsHeldAsync(vg.VgName), "the holder lost its lock");
        }

        // The killed command changed nothing, and once the lock is free the same call goes through.
        Assert.DoesNotContain("late", (await lvm.GetLogicalVolumeAsync(vg.VgName, "held", default))!.Tags);
        await lvm.ChangeTagsAsync(vg.VgName, "held", ["late"], [], default);
        Assert.Contains("late", (await lvm.GetLogicalVolumeAsync(vg.VgName, "held", default))!.Tags);
        await lvm.ChangeTagsAsync(vg.VgName, "held", [], ["late"], default);
    }

    private async Task EnsureLvAsync()
    {
        if (!(await Sh.TryRunAsync("lvs", $"{vg.VgName}/held")).Succeeded)
        {
            await Sh.RunAsync("lvcreate", "--yes", "--name", "held", "--size", "4m", vg.VgName);
        }
    }

    /// <summary>Running processes whose command is lvm (the testbed runs nothing else that is).</summary>
    private static List<int> LvmProcesses() =>
        [.. Directory.GetDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(d => d!.All(char.IsAsciiDigit))
            .Where(pid => ReadOrEmpty($"/proc/{pid}/comm").Trim() == "lvm")
            .Select(pid => int.Parse(pid!))];

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return string.Empty; // the process ended meanwhile
        }
    }

    /// <summary>An <c>flock(1)</c> process holding a VG's LVM lock exclusively until disposed.</summary>
    private sealed class LockHolder : IAsyncDisposable
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

    /// <summary>Runs every <c>lvm &lt;command&gt;</c> with <c>--config &lt;text&gt;</c> added after the command name.</summary>
    private sealed class AddConfigRunner(ICommandRunner inner, string config) : ICommandRunner
    {
        public Task<Stratum.Platform.Exec.CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken) =>
            inner.RunAsync(
                new CommandSpec(spec.Executable, [spec.Arguments[0], "--config", config, .. spec.Arguments.Skip(1)])
                {
                    Timeout = spec.Timeout,
                    StandardInput = spec.StandardInput,
                    Environment = spec.Environment,
                },
                cancellationToken);
    }
}
