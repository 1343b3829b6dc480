using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Lvm;
using Stratum.Platform.Exec;

namespace Stratum.Benchmarks;

/// <summary>
/// The cost of the typed LVM layer over running LVM directly. Each typed operation (LvmCli over
/// the real CommandRunner) is timed next to a bare <see cref="Process"/> that runs exactly the argv
/// LvmCli ran for it (recorded by a runner decorator, so nothing is retyped): the ratio is what
/// Stratum adds on top of LVM itself (process handling, validation, JSON parsing, logging). Meant
/// for real LVM, i.e. inside the VM testbed: <c>benchmarks/lvm-in-vm</c>.
/// </summary>
internal static class LvmBenchmark
{
    private const string Vg = "stratumbench";
    private const string Tag = "stratum.io/bench=owner#2Fa";
    private const long MiB = 1024 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        var reps = int.Parse(Arg(args, "--reps") ?? "15", CultureInfo.InvariantCulture);
        var recorder = new RecordingRunner(new CommandRunner(new CommandRunnerOptions(), NullLogger<CommandRunner>.Instance));
        if (args.Contains("--process-only"))
        {
            // Needs no LVM: the runner's own process handling against a bare Process, on `true`.
            Console.WriteLine($"CommandRunner vs bare Process running `true`; {reps} timed repetitions; {Environment.ProcessorCount} CPUs, .NET {Environment.Version}");
            PrintTable(await MeasureAsync([ProcessOnly(recorder)], reps, recorder));
            return 0;
        }

        var devices = (Arg(args, "--devices") ?? Environment.GetEnvironmentVariable("STRATUM_TESTBED_DISKS") ?? "")
            .Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
        if (devices.Length == 0)
        {
            Console.Error.WriteLine("lvm: no devices (--devices /dev/vda,/dev/vdb, or run inside the testbed)");
            return 2;
        }

        if (Environment.GetEnvironmentVariable("STRATUM_TESTBED") != "1" && !args.Contains("--yes-wipe-devices"))
        {
            Console.Error.WriteLine($"lvm: this creates a VG on {string.Join(' ', devices)}; outside the testbed add --yes-wipe-devices");
            return 2;
        }

        var lvm = new LvmCli(recorder, new LvmOptions(), NullLogger<LvmCli>.Instance);
        Console.WriteLine($"LvmCli vs bare Process running the identical argv; {reps} timed repetitions each (after 2 untimed),");
        Console.WriteLine($"VG {Vg} on {string.Join(' ', devices)}; {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, {LvmVersion()}");

        await lvm.CreateVolumeGroupAsync(Vg, devices, [], default);
        try
        {
            await lvm.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = Vg, Name = "bench", SizeBytes = 8 * MiB, Tags = [Tag] }, default);
            await lvm.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = Vg, Name = "ext-t", SizeBytes = 4 * MiB }, default);
            await lvm.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = Vg, Name = "ext-r", SizeBytes = 4 * MiB }, default);
            var extentBytes = (await lvm.GetVolumeGroupAsync(Vg, default))!.ExtentSizeBytes;

            var operations = new List<Operation>
            {
                Control(lvm),
                ProcessOnly(recorder),
                new("lvs of one LV (get)", _ => lvm.GetLogicalVolumeAsync(Vg, "bench", default)),
                new("lvs by tag (find)", _ => lvm.FindLogicalVolumesByTagAsync(Tag, default)),
                new("vgs (get VG)", _ => lvm.GetVolumeGroupAsync(Vg, default)),
                new("pvs (list PVs)", _ => lvm.ListPhysicalVolumesAsync(null, default)),
                new("lvcreate + lvremove", async _ =>
                {
                    await lvm.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = Vg, Name = "tmp", SizeBytes = 4 * MiB }, default);
                    await lvm.RemoveVolumeAsync(Vg, "tmp", default);
                }),
                // Each rep grows ext-t by one extent; the bare side replays the same argv on its twin
                // ext-r (same size, same name length), since replaying on ext-t would be a no-op.
                new("lvextend (+1 extent)", rep => lvm.ExtendVolumeAsync(Vg, "ext-t", (2 + rep) * extentBytes, default), Replay: argv => [.. argv.Select(a => a.Replace("ext-t", "ext-r", StringComparison.Ordinal))], Alternate: false),
                new("lvchange --addtag, --deltag", async _ =>
                {
                    await lvm.ChangeTagsAsync(Vg, "bench", ["stratum.io/extra"], [], default);
                    await lvm.ChangeTagsAsync(Vg, "bench", [], ["stratum.io/extra"], default);
                }),
                new("lvchange -an, -ay", async _ =>
                {
                    await lvm.DeactivateVolumeAsync(Vg, "bench", default);
                    await lvm.ActivateVolumeAsync(Vg, "bench", default);
                }),
            };

            PrintTable(await MeasureAsync(operations, reps, recorder));
        }
        finally
        {
            await BareAsync(["lvm", "vgremove", "--force", "--force", "--yes", Vg]);
            await BareAsync(["lvm", "pvremove", "--force", "--force", "--yes", .. devices]);
        }

        return 0;
    }

    private static async Task<List<string[]>> MeasureAsync(IReadOnlyList<Operation> operations, int reps, RecordingRunner recorder)
    {
        var rows = new List<string[]>();
        var rep = 0;
        foreach (var op in operations)
        {
            var samples = new List<(double Typed, double Bare, double Own)>();
            var commands = 0;
            for (var i = 0; i < reps + 2; i++, rep++)
            {
                double typed, bare;
                if (op.Alternate && i % 2 == 1)
                {
                    // The argv of the previous typed run: the same every time for these operations.
                    bare = await TimeBareAsync(recorder.LastSequence, op.Replay);
                    typed = await TimeTypedAsync(op, rep, recorder);
                }
                else
                {
                    typed = await TimeTypedAsync(op, rep, recorder);
                    bare = await TimeBareAsync(recorder.LastSequence, op.Replay);
                }

                commands = recorder.LastSequence.Count;
                if (i >= 2)
                {
                    samples.Add((typed, bare, typed - recorder.LastSequenceRunnerMs));
                }
            }

            rows.Add(Row(op.Name, commands, samples));
            Console.Error.WriteLine($"  done: {op.Name}");
        }

        return rows;
    }

    /// <summary>The runner's process handling alone: CommandRunner vs a bare Process, both running <c>true</c>.</summary>
    private static Operation ProcessOnly(RecordingRunner recorder) => new(
        "process only: runner vs bare, `true`",
        _ => recorder.RunAsync(new CommandSpec("true", []), default));

    /// <summary>The noise floor: the same bare lvs on both sides.</summary>
    private static Operation Control(LvmCli lvm) => new(
        "control: bare vs bare lvs",
        _ => lvm.GetLogicalVolumeAsync(Vg, "bench", default),
        Bare: true);

    private static string[] Row(string name, int commands, List<(double Typed, double Bare, double Own)> samples)
    {
        var typed = samples.Select(s => s.Typed).Order().ToList();
        var bare = samples.Select(s => s.Bare).Order().ToList();
        var paired = samples.Select(s => s.Typed / s.Bare).Order().ToList();
        var own = samples.Select(s => s.Own).Order().ToList();
        double P(List<double> sorted, double p) => Stats.Percentile(sorted, p);
        var (low, high) = BootstrapMedianInterval(paired);
        return
        [
            name, commands.ToString(CultureInfo.InvariantCulture),
            Ms(P(typed, 50)), Ms(P(typed, 90)), Ms(P(bare, 50)), Ms(P(bare, 90)),
            Ratio(P(typed, 50) / P(bare, 50)), Ratio(P(paired, 50)), $"{Ratio(low)}-{Ratio(high)}",
            P(own, 50).ToString("0.0", CultureInfo.InvariantCulture),
        ];
    }

    /// <summary>A 95 % percentile-bootstrap interval for the median (fixed seed: the same data give the same interval).</summary>
    private static (double Low, double High) BootstrapMedianInterval(IReadOnlyList<double> values)
    {
        var random = new Random(20240601);
        var medians = new List<double>(2000);
        var resample = new double[values.Count];
        for (var b = 0; b < 2000; b++)
        {
            for (var i = 0; i < resample.Length; i++)
            {
                resample[i] = values[random.Next(values.Count)];
            }

            Array.Sort(resample);
            medians.Add(Stats.Percentile(resample, 50));
        }

        medians.Sort();
        return (Stats.Percentile(medians, 2.5), Stats.Percentile(medians, 97.5));
    }

    private static string Ratio(double ratio) => ratio.ToString("0.000", CultureInfo.InvariantCulture);

    private static async Task<double> TimeTypedAsync(Operation op, int rep, RecordingRunner recorder)
    {
        if (op.Bare)
        {
            // Control: record the typed argv untimed, then time a bare run of it in the typed slot.
            recorder.StartSequence();
            await op.Typed(rep);
            var sequence = recorder.LastSequence;
            var bare = await TimeBareAsync(sequence, null);
            recorder.SetRunnerMs(bare);
            return bare;
        }

        recorder.StartSequence();
        var started = Stopwatch.GetTimestamp();
        await op.Typed(rep);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static async Task<double> TimeBareAsync(IReadOnlyList<string[]> sequence, Func<string[], string[]>? replay)
    {
        var argvs = sequence.Select(a => replay is null ? a : replay(a)).ToList();
        var started = Stopwatch.GetTimestamp();
        foreach (var argv in argvs)
        {
            await BareAsync(argv);
        }

        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static Task BareAsync(string[] argv) => Bare.RunAsync(argv, expectedExit: null);

    private static string LvmVersion()
    {
        var start = new ProcessStartInfo("lvm", "version") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var line = process.StandardOutput.ReadLine() ?? "";
        process.WaitForExit();
        return "LVM " + line.Replace("LVM version:", "", StringComparison.Ordinal).Trim();
    }

    private static void PrintTable(List<string[]> rows)
    {
        string[] header = ["operation", "runs", "typed p50", "typed p90", "bare p50", "bare p90", "ratio p50", "paired p50", "paired 95% CI", "own p50"];
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i])));
        var text = new StringBuilder();
        text.AppendLine(Line(header));
        text.AppendLine(Line([.. widths.Select(w => new string('-', w))]));
        foreach (var row in rows)
        {
            text.AppendLine(Line(row));
        }

        Console.Write(text);
        Console.WriteLine("""
            Milliseconds per typed call. "runs": the processes one typed call starts (read-backs and
            checks included); the bare side runs that same argv sequence, the two alternating first.
            "ratio p50": typed p50 / bare p50; "paired p50": the median of typed/bare over the
            repetitions (each pair ran back to back, so a shift in machine load cancels out), with a
            95 % bootstrap interval for it; "own p50":
            the time the typed call spends outside the command runner (argument checks, JSON parsing,
            LvmCli's logging). The control row runs the bare side twice: its spread is the measurement
            noise. Goal: ratio <= 1.05.
            """);
    }

    private static string Ms(double ms) => ms.ToString(ms < 100 ? "0.0" : "0", CultureInfo.InvariantCulture);

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <param name="Name">Row label.</param>
    /// <param name="Typed">The typed call of repetition N.</param>
    /// <param name="Replay">Turns a recorded argv into the one the bare side runs (default: the same).</param>
    /// <param name="Alternate">Whether the bare side may run first (needs an argv that does not change per repetition).</param>
    /// <param name="Bare">Control row: time bare runs on both sides.</param>
    private sealed record Operation(string Name, Func<int, Task> Typed, Func<string[], string[]>? Replay = null, bool Alternate = true, bool Bare = false);

    /// <summary>
    /// Passes every command on, keeping the argv of those since <see cref="StartSequence"/> and the
    /// time the inner runner took for them (process start to exit and pipes drained).
    /// </summary>
    private sealed class RecordingRunner(ICommandRunner inner) : ICommandRunner
    {
        private List<string[]> _sequence = [];

        public IReadOnlyList<string[]> LastSequence => _sequence;

        public double LastSequenceRunnerMs { get; private set; }

        public void StartSequence()
        {
            _sequence = [];
            LastSequenceRunnerMs = 0;
        }

        public void SetRunnerMs(double ms) => LastSequenceRunnerMs = ms;

        public async Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
        {
            _sequence.Add([spec.Executable, .. spec.Arguments]);
            var started = Stopwatch.GetTimestamp();
            var result = await inner.RunAsync(spec, cancellationToken).ConfigureAwait(false);
            LastSequenceRunnerMs += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return result;
        }
    }
}
