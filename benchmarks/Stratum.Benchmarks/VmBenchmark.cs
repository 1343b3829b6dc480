using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;
using Stratum.Testing.Conformance;

namespace Stratum.Benchmarks;

/// <summary>
/// The published binary on real LVM, inside the VM testbed (<c>benchmarks/run --vm</c>):
/// <list type="bullet">
/// <item>lvm processes per CreateVolume and DeleteVolume (counted by <see cref="LvmCommandRecorder"/>)
/// and per refresh period of an idle node;</item>
/// <item>the full lifecycle (create, stage, publish, unpublish, unstage, delete; ext4 and xfs)
/// through the socket against a shell script running the very commands the plugin ran for it
/// (taken from its debug log), interleaved rounds, ratio of medians;</item>
/// <item>CreateVolume against a bare <c>lvcreate</c> of the same argv;</item>
/// <item>32 concurrent CreateVolume then DeleteVolume next to 32 sequential raw lvcreate/lvremove.</item>
/// </list>
/// </summary>
internal static class VmBenchmark
{
    private const string Vg = "stratumbench";
    private const string Work = "/run/stratum-bench";
    private const long VolumeBytes = 256 * VolumeBenchmarks.MiB;
    private const int IdlePeriods = 4;
    private const int IdleRefreshSeconds = 5;

    private static readonly string[] FileSystems = ["ext4", "xfs"];

    public static async Task RunAsync(Report report, string stratum, int rounds, int concurrent)
    {
        var disks = (Environment.GetEnvironmentVariable("STRATUM_TESTBED_DISKS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (Environment.GetEnvironmentVariable("STRATUM_TESTBED") != "1" || disks.Length == 0)
        {
            throw new InvalidOperationException("the vm benchmarks run inside the testbed (benchmarks/run --vm): they need real LVM and blank disks");
        }

        Directory.CreateDirectory(Work);
        await Bare.RunAsync(["lvm", "vgcreate", "--yes", Vg, .. disks]);
        try
        {
            await CountAsync(report, stratum);
            var scripts = await RecordAsync(stratum);
            await TimedAsync(report, stratum, rounds, concurrent, scripts);
        }
        finally
        {
            await Bare.RunAsync(["lvm", "vgremove", "--force", "--force", "--yes", Vg], expectedExit: null);
            await Bare.RunAsync(["lvm", "pvremove", "--force", "--force", "--yes", .. disks], expectedExit: null);
        }
    }

    /// <summary>
    /// Counting plugins, whose lvm goes through an <see cref="LvmCommandRecorder"/>: one that never
    /// refreshes on its own (commands per RPC), then one that refreshes capacity every
    /// <see cref="IdleRefreshSeconds"/> and is left idle.
    /// </summary>
    private static async Task CountAsync(Report report, string stratum)
    {
        await using var recorder = new LvmCommandRecorder(Path.Combine(Work, "recorder"));
        var environment = new Dictionary<string, string> { ["PATH"] = recorder.BinDirectory + ":" + Environment.GetEnvironmentVariable("PATH") };
        string Names(int mark, int count = int.MaxValue) => string.Join(", ", recorder.Commands.Skip(mark).Take(count).Select(c => c[0]));
        await using (var plugin = await StratumProcess.StartAsync(stratum, ["--config", WriteConfig("count.yaml", 3600)], environment, Path.Combine(Work, "count"), waitReady: true))
        {
            await VolumeBenchmarks.LvmCallsPerRpcAsync(report, plugin.Client, "lvm processes (real LVM)", () => recorder.CallCount, reps: 3, Names);
        }

        await using (var plugin = await StratumProcess.StartAsync(stratum, ["--config", WriteConfig("idle.yaml", IdleRefreshSeconds)], environment, Path.Combine(Work, "idle"), waitReady: true))
        {
            var mark = recorder.CallCount;
            await Task.Delay(TimeSpan.FromSeconds(IdlePeriods * IdleRefreshSeconds));
            var idle = (double)(recorder.CallCount - mark) / IdlePeriods;
            report.Add(new Metric("lvm processes per refresh period, idle node", idle, "", 1,
                $"{recorder.CallCount - mark} in {IdlePeriods} periods of {IdleRefreshSeconds} s (a window of N periods holds N or N+1 refreshes): {Names(mark)}", []));
        }
    }

    /// <summary>
    /// The recording plugin logs every command it runs (JSON, debug level): one lifecycle per
    /// filesystem gives the commands the shell scripts run.
    /// </summary>
    private static async Task<Dictionary<string, LifecycleScript>> RecordAsync(string stratum)
    {
        var config = WriteConfig("record.yaml", 3600);
        var log = new CommandLog();
        await using var plugin = await StratumProcess.StartAsync(stratum, ["--config", config, "--log-level", "Debug", "--log-format", "Json"], directory: Path.Combine(Work, "record"), waitReady: true);
        plugin.OnStderrLine = log.Add;
        var scripts = new Dictionary<string, LifecycleScript>();
        foreach (var fs in FileSystems)
        {
            await Task.Delay(500);
            var first = log.Count;
            await LifecycleAsync(plugin.Client, fs, null);
            await Task.Delay(500);
            scripts[fs] = new LifecycleScript(fs, log.Since(first));
            Console.Error.WriteLine($"vm: the {fs} lifecycle ran {scripts[fs].Commands.Count} commands: {string.Join(", ", scripts[fs].Commands.Select(Short))}");
        }

        return scripts;
    }

    private static string Short(string command)
    {
        var words = ShellWords.Split(command);
        return words[0] == "lvm" && words.Count > 1 ? "lvm " + words[1] : words[0];
    }

    private static async Task TimedAsync(Report report, string stratum, int rounds, int concurrent, Dictionary<string, LifecycleScript> scripts)
    {
        var config = WriteConfig("timed.yaml", 3600);
        await using var plugin = await StratumProcess.StartAsync(stratum, ["--config", config, "--log-level", "Information"], directory: Path.Combine(Work, "timed"), waitReady: true);
        var plugged = FileSystems.ToDictionary(fs => fs, _ => new List<double>());
        var bare = FileSystems.ToDictionary(fs => fs, _ => new List<double>());
        var createRpc = new List<double>();
        var lvcreate = new List<double>();
        var lvcreateLine = scripts["ext4"].Commands.First(c => c.StartsWith("lvm lvcreate ", StringComparison.Ordinal));
        var lvcreateArgv = ShellWords.Split(lvcreateLine);

        // One untimed round first: both sides' page cache and the plugin's code paths warm.
        for (var round = 0; round <= rounds; round++)
        {
            Console.Error.WriteLine($"vm: round {round} of {rounds}{(round == 0 ? " (warm-up, not counted)" : "")}");
            foreach (var fs in round % 2 == 0 ? FileSystems : FileSystems.Reverse())
            {
                var timings = new Dictionary<string, double>();
                double p, b;
                if (round % 2 == 0)
                {
                    p = await LifecycleAsync(plugin.Client, fs, timings);
                    b = await scripts[fs].RunAsync();
                }
                else
                {
                    b = await scripts[fs].RunAsync();
                    p = await LifecycleAsync(plugin.Client, fs, timings);
                }

                Console.Error.WriteLine(FormattableString.Invariant(
                    $"vm:   {fs}: through the socket {p:0} ms ({string.Join(", ", timings.Select(t => FormattableString.Invariant($"{t.Key} {t.Value:0}")))}), script {b:0} ms"));
                if (round > 0)
                {
                    plugged[fs].Add(p);
                    bare[fs].Add(b);
                    if (fs == "ext4")
                    {
                        createRpc.Add(timings["CreateVolume"]);
                    }
                }
            }

            var bareCreate = await Bare.TimeAsync(lvcreateArgv);
            await Bare.RunAsync(["lvm", "lvremove", "--yes", $"{Vg}/{ValueOf(lvcreateArgv, "--name")}"]);
            if (round > 0)
            {
                lvcreate.Add(bareCreate);
            }
        }

        foreach (var fs in FileSystems)
        {
            var ratio = Stats.Median(plugged[fs]) / Stats.Median(bare[fs]);
            report.Add(new Metric($"lifecycle through the socket / same commands by a shell script ({fs})", ratio, "ratio", 1.05,
                $"medians of {rounds} interleaved rounds: {Stats.Median(plugged[fs]):0} ms vs {Stats.Median(bare[fs]):0} ms ({scripts[fs].Commands.Count} commands)", [.. plugged[fs].Zip(bare[fs], (x, y) => x / y)]));
        }

        report.Add(new Metric("CreateVolume / bare lvcreate of the same argv", Stats.Median(createRpc) / Stats.Median(lvcreate), "ratio", 1.3,
            $"medians of {rounds} rounds: {Stats.Median(createRpc):0} ms vs {Stats.Median(lvcreate):0} ms", [.. createRpc.Zip(lvcreate, (x, y) => x / y)]));

        async Task<int> CountLvs() => (await Bare.RunAsync(["lvm", "lvs", "--noheadings", "-o", "lv_name", Vg])).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        await VolumeBenchmarks.ConcurrentCreateDeleteAsync(report, plugin.Client, "real LVM", concurrent, 64 * VolumeBenchmarks.MiB, CountLvs);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < concurrent; i++)
        {
            await Bare.RunAsync(["lvm", "lvcreate", "--yes", "--name", $"raw{i:00}", "--size", "64m", Vg]);
        }

        for (var i = 0; i < concurrent; i++)
        {
            await Bare.RunAsync(["lvm", "lvremove", "--yes", $"{Vg}/raw{i:00}"]);
        }

        var raw = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        report.Add(new Metric($"{concurrent} sequential raw lvcreate then lvremove, wall (real LVM)", raw, "ms", null, "for comparison with the concurrent calls above", [raw]));
    }

    /// <summary>One volume's whole life through the socket; returns the wall time, ms, and each RPC's time into <paramref name="timings"/>.</summary>
    private static async Task<double> LifecycleAsync(CsiClient client, string fs, Dictionary<string, double>? timings)
    {
        var capability = Requests.Mount(fs);
        var staging = Path.Combine(Work, "stage-" + fs);
        var target = Path.Combine(Work, "pods", "target-" + fs);
        Directory.CreateDirectory(staging);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var deadline = DateTime.UtcNow.AddMinutes(10);
        var started = Stopwatch.GetTimestamp();
        async Task<T> Timed<T>(string name, Func<Task<T>> call)
        {
            var t = Stopwatch.GetTimestamp();
            var result = await call();
            timings?.Add(name, Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            return result;
        }

        var created = await Timed("CreateVolume", () => client.Controller.CreateVolumeAsync(Requests.Create("pvc-life-" + fs, VolumeBytes, capability), deadline: deadline).ResponseAsync);
        var id = created.Volume.VolumeId;
        await Timed("NodeStageVolume", () => client.Node.NodeStageVolumeAsync(Requests.Stage(id, staging, capability), deadline: deadline).ResponseAsync);
        await Timed("NodePublishVolume", () => client.Node.NodePublishVolumeAsync(Requests.Publish(id, staging, target, capability), deadline: deadline).ResponseAsync);
        await Timed("NodeUnpublishVolume", () => client.Node.NodeUnpublishVolumeAsync(new NodeUnpublishVolumeRequest { VolumeId = id, TargetPath = target }, deadline: deadline).ResponseAsync);
        await Timed("NodeUnstageVolume", () => client.Node.NodeUnstageVolumeAsync(new NodeUnstageVolumeRequest { VolumeId = id, StagingTargetPath = staging }, deadline: deadline).ResponseAsync);
        await Timed("DeleteVolume", () => client.Controller.DeleteVolumeAsync(new DeleteVolumeRequest { VolumeId = id }, deadline: deadline).ResponseAsync);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static string WriteConfig(string name, int refreshSeconds)
    {
        var path = Path.Combine(Work, name);
        File.WriteAllText(path, $"""
            capacityRefreshSeconds: {refreshSeconds}
            deviceClasses:
              - name: default
                volumeGroup: {Vg}
                default: true
                fsType: ext4
            """);
        return path;
    }

    private static string? ValueOf(IReadOnlyList<string> argv, string option)
    {
        var i = argv.ToList().IndexOf(option);
        return i >= 0 && i + 1 < argv.Count ? argv[i + 1] : null;
    }

    /// <summary>The plugin's commands, from its JSON log (event 1000: succeeded; 1001: exited non-zero).</summary>
    private sealed class CommandLog
    {
        private readonly ConcurrentQueue<(string Line, int Exit)> _commands = new();

        public int Count => _commands.Count;

        public void Add(string line)
        {
            if (!line.StartsWith('{'))
            {
                return;
            }

            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (root.TryGetProperty("eventId", out var id) && id.GetInt32() is 1000 or 1001
                && root.TryGetProperty("Arguments", out var args) && root.TryGetProperty("ExitCode", out var exit))
            {
                _commands.Enqueue((args.GetString()!, exit.GetInt32()));
            }
        }

        public IReadOnlyList<(string Line, int Exit)> Since(int first) => [.. _commands.Skip(first)];
    }

    /// <summary>The commands of one lifecycle as a bash script that checks each exit code as the plugin saw it.</summary>
    private sealed class LifecycleScript
    {
        private readonly string _path;

        public LifecycleScript(string fs, IReadOnlyList<(string Line, int Exit)> commands)
        {
            Commands = [.. commands.Select(c => c.Line)];
            var script = new StringBuilder("#!/bin/bash\n# The commands stratum ran for one " + fs + " volume's lifecycle, in order.\nexport LC_ALL=C\n");
            script.Append(CultureInfo.InvariantCulture, $"mkdir -p {Work}/stage-{fs} {Work}/pods/target-{fs}\n");
            script.Append("run() { local want=$1; shift; \"$@\" >/dev/null 2>&1; local rc=$?; [[ $rc == \"$want\" ]] || { echo \"exit $rc (the plugin saw $want): $*\" >&2; exit 1; }; }\n");
            foreach (var (line, exit) in commands)
            {
                script.Append(CultureInfo.InvariantCulture, $"run {exit} {Unguarded(line)}\n");
            }

            _path = Path.Combine(Work, $"lifecycle-{fs}.sh");
            File.WriteAllText(_path, script.ToString());
        }

        public IReadOnlyList<string> Commands { get; }

        /// <summary>
        /// A guarded command (<c>lvremove --select 'lv_uuid="U" &amp;&amp; ...' VG/NAME</c>) names the
        /// UUID of the LV the plugin created; the script's own lvcreate makes a new LV with a new
        /// UUID, so the replay selects the LV by name instead: the same command and the same
        /// selection work for LVM, with nothing extra run to learn the UUID.
        /// </summary>
        internal static string Unguarded(string line)
        {
            var target = Regex.Match(line, $@"\b{Vg}/([A-Za-z0-9+_.-]+)");
            return target.Success
                ? Regex.Replace(line, @"lv_uuid=(\\?"")[A-Za-z0-9-]+(\\?"")", m => $"lv_name={m.Groups[1].Value}{target.Groups[1].Value}{m.Groups[2].Value}")
                : line;
        }

        /// <summary>Runs the script (timed), then checks it left no LV behind, as the plugin's lifecycle does not.</summary>
        public async Task<double> RunAsync()
        {
            var ms = await Bare.TimeAsync(["bash", _path]);
            var left = (await Bare.RunAsync(["lvm", "lvs", "--noheadings", "-o", "lv_name", Vg])).Trim();
            if (left.Length > 0)
            {
                throw new InvalidOperationException($"{_path} left LVs behind ({left}): the replayed commands do not undo what they made");
            }

            return ms;
        }
    }
}
