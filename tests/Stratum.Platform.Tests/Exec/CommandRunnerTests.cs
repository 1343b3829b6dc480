using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Stratum.Platform.Exec;
using Stratum.Testing.Logging;

namespace Stratum.Platform.Tests.Exec;

/// <summary>The real runner against real processes.</summary>
[SupportedOSPlatform("linux")]
public sealed class CommandRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stratum-runner-").FullName;
    private readonly RecordingLogger<CommandRunner> _logger = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private CommandRunner Runner(CommandRunnerOptions? options = null) => new(options ?? new CommandRunnerOptions(), _logger);

    private static CommandSpec Sh(string script) => new("/bin/sh", "-c", script);

    [Fact]
    public async Task RunAsync_ProgramWritesBothStreams_CapturesStdoutStderrAndExitCode()
    {
        var result = await Runner().RunAsync(Sh("echo out; echo err >&2; exit 3"), CancellationToken.None);

        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.Equal("out\n", result.StandardOutput);
        Assert.Equal("err\n", result.StandardError);
        Assert.True(result.Duration > TimeSpan.Zero);
    }

    [Fact]
    public async Task RunAsync_LargeInterleavedOutput_DoesNotDeadlock()
    {
        // ~1 MiB on each stream, far beyond a pipe buffer; a sequential reader would hang here.
        const string script = "i=0; while [ $i -lt 16384 ]; do echo 0123456789012345678901234567890123456789012345678901234567890123; echo abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl >&2; i=$((i+1)); done";

        var result = await Runner().RunAsync(Sh(script) with { Timeout = TimeSpan.FromSeconds(60) }, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(16384 * 65, result.StandardOutput.Length);
        Assert.Equal(16384 * 65, result.StandardError.Length);
    }

    [Fact]
    public async Task RunAsync_ArgumentsWithShellMetacharacters_ReachProgramVerbatim()
    {
        string[] args = ["a b", "$(echo hi)", "; rm -rf /", "'\"", "", "ünïcödé"];

        var result = await Runner().RunAsync(new CommandSpec("/usr/bin/printf", ["%s\\n", .. args]), CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Concat(args.Select(a => a + "\n")), result.StandardOutput);
    }

    [Fact]
    public async Task RunAsync_Always_SetsCLocaleInChildEnvironment()
    {
        var options = new CommandRunnerOptions { Environment = ImmutableDictionary<string, string>.Empty.Add("LC_ALL", "de_DE.UTF-8").Add("STRATUM_X", "1") };

        var result = await Runner(options).RunAsync(Sh("echo \"$LC_ALL|$LANG|${LANGUAGE-unset}|$STRATUM_X|$STRATUM_Y\"") with
        {
            Environment = ImmutableDictionary<string, string>.Empty.Add("STRATUM_Y", "2").Add("LANG", "fr_FR.UTF-8"),
        }, CancellationToken.None);

        Assert.Equal("C|C|unset|1|2\n", result.StandardOutput);
    }

    [Fact]
    public async Task RunAsync_StandardInputGiven_IsWrittenAndClosed()
    {
        var result = await Runner().RunAsync(new CommandSpec("/bin/cat") { StandardInput = "line1\nline2 ü\n" }, CancellationToken.None);

        Assert.Equal("line1\nline2 ü\n", result.StandardOutput);
    }

    [Fact]
    public async Task RunAsync_NoStandardInput_ChildReadsEndOfFileInsteadOfHanging()
    {
        var result = await Runner().RunAsync(new CommandSpec("/bin/cat") { Timeout = TimeSpan.FromSeconds(10) }, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.StandardOutput);
    }

    [Fact]
    public async Task RunAsync_ChildIgnoresLargeStandardInput_StillCompletes()
    {
        var input = new string('x', 1 << 20);

        var result = await Runner().RunAsync(Sh("exit 0") with { StandardInput = input, Timeout = TimeSpan.FromSeconds(10) }, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task RunAsync_TimeoutElapses_KillsWholeTreeAndThrowsTimeout()
    {
        var pidFile = Path.Combine(_dir, "pids");
        var spec = Sh($"sleep 10 & echo $! > {pidFile}; echo $$ >> {pidFile}; echo partial; wait") with { Timeout = TimeSpan.FromMilliseconds(700) };
        var sw = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<CommandTimeoutException>(() => Runner().RunAsync(spec, CancellationToken.None));

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(8), $"took {sw.Elapsed}");
        Assert.Equal(TimeSpan.FromMilliseconds(700), ex.Timeout);
        Assert.Equal("partial\n", ex.PartialStandardOutput);
        Assert.Equal("/bin/sh", ex.Executable);
        await AssertAllGoneAsync(pidFile);
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 1002 && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task RunAsync_CallerCancels_KillsWholeTreeAndThrowsOperationCanceled()
    {
        var pidFile = Path.Combine(_dir, "pids");
        var spec = Sh($"sleep 10 & echo $! > {pidFile}; echo $$ >> {pidFile}; wait") with { Timeout = TimeSpan.FromSeconds(30) };
        using var cts = new CancellationTokenSource();
        var sw = Stopwatch.StartNew();

        var task = Runner().RunAsync(spec, cts.Token);
        await WaitForLinesAsync(pidFile, 2);
        await cts.CancelAsync();
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);

        Assert.IsNotType<CommandTimeoutException>(ex);
        Assert.Equal(cts.Token, ex.CancellationToken);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(8), $"took {sw.Elapsed}");
        await AssertAllGoneAsync(pidFile);
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 1003);
    }

    [Fact]
    public async Task RunAsync_MutationAndCallerCancels_RunsToItsEndAndReturnsTheOutcome()
    {
        var started = Path.Combine(_dir, "started");
        var done = Path.Combine(_dir, "done");
        var spec = Sh($"touch {started}; sleep 1; touch {done}; echo finished") with { Timeout = TimeSpan.FromSeconds(30), Mutates = true };
        using var cts = new CancellationTokenSource();

        var task = Runner().RunAsync(spec, cts.Token);
        await WaitForLinesAsync(started, 0);
        await cts.CancelAsync();
        var result = await task;

        Assert.True(File.Exists(done), "the mutation was cut off");
        Assert.Equal("finished\n", result.StandardOutput);
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 1007);
        Assert.DoesNotContain(_logger.Entries, e => e.EventId.Id == 1003);
    }

    [Fact]
    public async Task RunAsync_MutationPastItsOwnTimeout_IsKilledAsAnyCommand()
    {
        var spec = Sh("sleep 10") with { Timeout = TimeSpan.FromMilliseconds(500), Mutates = true };

        await Assert.ThrowsAsync<CommandTimeoutException>(() => Runner().RunAsync(spec, CancellationToken.None));
    }

    [Fact]
    public async Task RunAsync_TokenAlreadyCancelled_ThrowsWithoutStarting()
    {
        var marker = Path.Combine(_dir, "ran");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Runner().RunAsync(Sh($"touch {marker}"), new CancellationToken(canceled: true)));

        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task RunAsync_NoPerCallTimeout_UsesDefaultFromOptions()
    {
        var runner = Runner(new CommandRunnerOptions { DefaultTimeout = TimeSpan.FromMilliseconds(300) });

        var ex = await Assert.ThrowsAsync<CommandTimeoutException>(() => runner.RunAsync(Sh("sleep 10"), CancellationToken.None));

        Assert.Equal(TimeSpan.FromMilliseconds(300), ex.Timeout);
    }

    [Fact]
    public async Task RunAsync_MissingExecutable_ThrowsCommandNotFound()
    {
        var ex = await Assert.ThrowsAsync<CommandNotFoundException>(
            () => Runner().RunAsync(new CommandSpec("stratum-no-such-tool-4711", "x"), CancellationToken.None));

        Assert.Equal("stratum-no-such-tool-4711", ex.Executable);
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 1004 && e.Level == LogLevel.Error);
    }

    [Fact]
    public async Task RunAsync_MissingAbsolutePath_ThrowsCommandNotFound()
    {
        await Assert.ThrowsAsync<CommandNotFoundException>(
            () => Runner().RunAsync(new CommandSpec("/nonexistent/dir/tool"), CancellationToken.None));
    }

    [Fact]
    public async Task RunAsync_FileNotExecutable_ThrowsCommandStart()
    {
        var file = Path.Combine(_dir, "not-executable");
        await File.WriteAllTextAsync(file, "#!/bin/sh\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        await Assert.ThrowsAsync<CommandStartException>(() => Runner().RunAsync(new CommandSpec(file), CancellationToken.None));
    }

    [Fact]
    public async Task RunAsync_PrefixConfigured_PrependsPrefixToArgv()
    {
        var options = new CommandRunnerOptions { CommandPrefix = ["/usr/bin/env", "--", "STRATUM_PREFIXED=yes"] };

        var result = await Runner(options).RunAsync(Sh("echo \"$STRATUM_PREFIXED $0\""), CancellationToken.None);

        Assert.Equal("yes /bin/sh\n", result.StandardOutput);
    }

    [Fact]
    public async Task RunAsync_PrefixCannotFindProgram_ThrowsCommandNotFound()
    {
        var options = new CommandRunnerOptions { CommandPrefix = ["/usr/bin/env", "--"] };

        var ex = await Assert.ThrowsAsync<CommandNotFoundException>(
            () => Runner(options).RunAsync(new CommandSpec("stratum-no-such-tool-4711"), CancellationToken.None));

        Assert.Equal("stratum-no-such-tool-4711", ex.Executable);
    }

    [Fact]
    public async Task RunAsync_PrefixItselfMissing_ThrowsCommandNotFoundForPrefix()
    {
        var options = new CommandRunnerOptions { CommandPrefix = ["/nonexistent/nsenter", "--"] };

        var ex = await Assert.ThrowsAsync<CommandNotFoundException>(() => Runner(options).RunAsync(Sh("true"), CancellationToken.None));

        Assert.Equal("/nonexistent/nsenter", ex.Executable);
        Assert.Equal(["--", "/bin/sh", "-c", "true"], ex.Arguments);
    }

    [Fact]
    public async Task RunAsync_Completed_LogsOneStructuredLineWithExecutableArgsExitCodeDuration()
    {
        await Runner().RunAsync(new CommandSpec("/bin/sh", "-c", "exit 4", "x y"), CancellationToken.None);

        var entry = Assert.Single(_logger.Entries);
        Assert.Equal(1001, entry.EventId.Id);
        Assert.Equal("/bin/sh", entry.Values["Executable"]);
        Assert.Equal("/bin/sh -c 'exit 4' 'x y'", entry.Values["Arguments"]);
        Assert.Equal(4, entry.Values["ExitCode"]);
        Assert.IsType<long>(entry.Values["DurationMs"]);
    }

    [Fact]
    public async Task RunAsync_Succeeded_LogsAtDebugWithEventId1000()
    {
        await Runner().RunAsync(Sh("true"), CancellationToken.None);

        var entry = Assert.Single(_logger.Entries);
        Assert.Equal(1000, entry.EventId.Id);
        Assert.Equal(LogLevel.Debug, entry.Level);
    }

    [Fact]
    public void CommandSpec_ArgumentWithNul_Throws()
    {
        Assert.Throws<ArgumentException>(() => new CommandSpec("x", "a\0b"));
    }

    [Fact]
    public void CommandSpec_EqualArgv_AreEqual()
    {
        var a = new CommandSpec("lvm", "lvs", "vg");
        var b = new CommandSpec("lvm", new List<string> { "lvs", "vg" });

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Timeout = TimeSpan.FromSeconds(1) });
    }

    [Fact]
    public void CommandSpec_NonPositiveTimeout_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CommandSpec("x") { Timeout = TimeSpan.Zero });
    }

    private static async Task WaitForLinesAsync(string file, int lines)
    {
        for (var i = 0; i < 200; i++)
        {
            if (File.Exists(file) && (await File.ReadAllLinesAsync(file)).Length >= lines)
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"{file} never got {lines} lines");
    }

    /// <summary>Every pid in the file is gone (or a zombie nobody reaps yet, which is dead too).</summary>
    private static async Task AssertAllGoneAsync(string pidFile)
    {
        var pids = (await File.ReadAllLinesAsync(pidFile)).Select(int.Parse).ToArray();
        Assert.Equal(2, pids.Length);
        foreach (var pid in pids)
        {
            var alive = true;
            for (var i = 0; i < 100 && alive; i++)
            {
                alive = IsAlive(pid);
                if (alive)
                {
                    await Task.Delay(20);
                }
            }

            Assert.False(alive, $"process {pid} survived");
        }
    }

    private static bool IsAlive(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false;
        }

        // Field 3 (after the parenthesised command name) is the state; Z and X are dead.
        var state = stat[(stat.LastIndexOf(')') + 2)..][0];
        return state is not ('Z' or 'X');
    }
}
