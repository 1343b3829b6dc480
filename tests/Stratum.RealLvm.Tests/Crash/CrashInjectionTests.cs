using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Stratum.Config;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;
using Stratum.Platform;
using Stratum.RealLvm.Tests.Harness;
using Stratum.Testing.Conformance;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Crash;

/// <summary>One PV, so every new LV starts on the extents the deleted ones had.</summary>
public sealed class CrashBedFixture() : VolumeGroupFixture(pvCount: 1, pvSizeMiB: 256);

/// <summary>
/// Issue #9's crash injection: the real <c>stratum node</c> (the published native binary when
/// <c>STRATUM_BINARY</c> is set, as tests/real-lvm does) is killed with SIGKILL, together with
/// every command it has running, at a random point inside one lifecycle RPC per run; it is
/// restarted and the RPC retried until it succeeds, as kubelet and the sidecars do. The RPCs take
/// turns (create, stage, publish, expand, unpublish, unstage, delete: one volume's life every
/// seven runs). A kill point is a random moment after the call was sent, or an exact place around
/// one of the plugin's commands (<see cref="CommandTraps"/>): before it starts, while it runs, or
/// after it has finished but before the plugin hears of it.
/// After every run: no mount, bind mount or device-mapper device that should not be there; a new
/// volume carries no signature (the VG's extents hold a deleted volume's ext4 before every
/// create), a staged one none of the deleted volume's files; the data written after the first
/// publish reads back with its checksum after every later crash; after a delete the VG has no LV.
/// <c>STRATUM_CRASH_RUNS</c> sets the number of runs (default 50), <c>STRATUM_CRASH_SEED</c> the
/// random seed (printed, so a failure can be replayed).
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class CrashInjectionTests(CrashBedFixture vg, ITestOutputHelper output) : IClassFixture<CrashBedFixture>
{
    private const long MiB = 1024 * 1024;
    private const long SizeBytes = 64 * MiB;
    private const long ExpandedBytes = 96 * MiB;
    private const string SeedFile = "previous-tenant.txt";
    private const int DefaultRuns = 50;

    private enum Rpc
    {
        Create,
        Stage,
        Publish,
        Expand,
        Unpublish,
        Unstage,
        Delete,
    }

    private enum Point
    {
        Timer,
        BeforeCommand,
        DuringCommand,
        AfterCommand,
    }

    [Fact]
    public async Task Lifecycle_PluginKilledAtRandomPointsInEveryRpc_RetriesLeaveNoLeaksAndNoForeignData()
    {
        var runs = EnvInt("STRATUM_CRASH_RUNS") ?? DefaultRuns;
        var seed = EnvInt("STRATUM_CRASH_SEED") ?? Random.Shared.Next(1, int.MaxValue);
        output.WriteLine($"crash injection: {runs} runs, seed {seed} (replay: STRATUM_CRASH_SEED={seed} STRATUM_CRASH_RUNS={runs}), stratum: {string.Join(' ', PluginProcess.Command())}");
        await using var bed = await CrashBed.CreateAsync(vg, seed, output);
        var clock = Stopwatch.StartNew();
        try
        {
            for (var run = 0; run < runs; run++)
            {
                await bed.RunAsync(run, (Rpc)(run % 7));
            }

            // The last volume's life ends without a crash, and nothing of it may stay.
            while (bed.Volume is not null)
            {
                await bed.FinishAsync();
            }
        }
        finally
        {
            output.WriteLine(bed.Summary(clock.Elapsed));
        }

        Assert.True(bed.Problems.Count == 0, $"seed {seed}: {bed.Problems.Count} problem(s):\n" + string.Join("\n", bed.Problems));
    }

    private static int? EnvInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>One volume's life.</summary>
    private sealed class Life(int number, string work)
    {
        public string Name { get; } = $"pvc-crash-{number}";

        public string Staging { get; } = Path.Combine(work, "staging", number.ToString(CultureInfo.InvariantCulture));

        public string Target { get; } = Path.Combine(work, "pods", number.ToString(CultureInfo.InvariantCulture), "mount");

        public string? Id { get; set; }

        public string? Checksum { get; set; }

        /// <summary>The last RPC that succeeded.</summary>
        public Rpc? Done { get; set; }
    }

    private sealed class Tally
    {
        public int Runs { get; set; }

        public int InFlight { get; set; }

        public int Late { get; set; }

        public int Retries { get; set; }

        public Dictionary<Point, int> Points { get; } = Enum.GetValues<Point>().ToDictionary(p => p, _ => 0);
    }

    /// <summary>The VG, the plugin process, the command traps and the bookkeeping of one crash run.</summary>
    private sealed class CrashBed : IAsyncDisposable
    {
        private static readonly VolumeCapability Capability = Requests.Mount("ext4");

        private readonly CrashBedFixture _vg;
        private readonly ITestOutputHelper _output;
        private readonly Random _random;
        private readonly string _work;
        private readonly string _config;
        private readonly string _seedImage;
        private readonly CommandTraps _traps;
        private readonly Dictionary<Rpc, Tally> _tally = Enum.GetValues<Rpc>().ToDictionary(r => r, _ => new Tally());
        private readonly Dictionary<Rpc, int> _commandEstimate = new()
        {
            [Rpc.Create] = 3, [Rpc.Stage] = 4, [Rpc.Publish] = 2, [Rpc.Expand] = 4, [Rpc.Unpublish] = 2, [Rpc.Unstage] = 2, [Rpc.Delete] = 3,
        };

        private readonly Dictionary<Rpc, TimeSpan> _durationEstimate = Enum.GetValues<Rpc>().ToDictionary(r => r, _ => TimeSpan.FromSeconds(2));
        private readonly List<TimeSpan> _restarts = [];
        private long _peStart;
        private int _lives;
        private int _starts;
        private int _leaks;
        private int _resumedSuspended;
        private PluginProcess? _plugin;

        private CrashBed(CrashBedFixture vg, int seed, ITestOutputHelper output)
        {
            _vg = vg;
            _output = output;
            _random = new Random(seed);
            _work = Path.Combine("/run", "crash-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(_work);
            _config = Path.Combine(_work, "config.yaml");
            _seedImage = Path.Combine(_work, "seed.img");
            _traps = new CommandTraps(Path.Combine(_work, "traps"));
        }

        public List<string> Problems { get; } = [];

        public Life? Volume { get; private set; }

        public static async Task<CrashBed> CreateAsync(CrashBedFixture vg, int seed, ITestOutputHelper output)
        {
            var bed = new CrashBed(vg, seed, output);
            try
            {
                await bed.SeedAsync();
                await File.WriteAllTextAsync(bed._config, $"""
                    capacityRefreshSeconds: {StratumConfig.MaxCapacityRefreshSeconds}
                    deviceClasses:
                      - name: default
                        volumeGroup: {vg.VgName}
                        default: true
                        fsType: ext4
                    """ + "\n");
                await bed.StartPluginAsync();
                return bed;
            }
            catch
            {
                await bed.DisposeAsync();
                throw;
            }
        }

        /// <summary>One run: the volume's next RPC, killed at a random point, then the plugin restarted and the RPC retried.</summary>
        public async Task RunAsync(int run, Rpc rpc)
        {
            var life = NextLife(rpc);
            var tally = _tally[rpc];
            tally.Runs++;
            var point = (Point)_random.Next(4);
            tally.Points[point]++;
            var mark = _traps.Count;
            var command = _random.Next(_commandEstimate[rpc]);
            var delay = TimeSpan.FromMilliseconds(_random.NextDouble() * (point == Point.Timer ? _durationEstimate[rpc].TotalMilliseconds : 1000));
            if (point != Point.Timer)
            {
                _traps.Set(mark + command, point switch { Point.BeforeCommand => TrapPhase.Before, Point.DuringCommand => TrapPhase.During, _ => TrapPhase.After });
            }

            var plugin = _plugin!;
            var clock = Stopwatch.StartNew();
            var call = SendAsync(plugin.Client, rpc, life);
            if (point == Point.Timer)
            {
                await Task.WhenAny(call, Task.Delay(delay));
            }
            else
            {
                var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
                while (!_traps.Hit && !call.IsCompleted && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(10);
                }

                if (_traps.Hit && point == Point.DuringCommand)
                {
                    await Task.WhenAny(call, Task.Delay(delay));
                }
            }

            var inFlight = !call.IsCompleted;
            try
            {
                await plugin.KillAsync();
            }
            catch (TimeoutException ex)
            {
                throw new InvalidOperationException($"run {run} {rpc} of {life.Name}: {ex.Message}\n{Diagnose()}\nthe plugin's log:\n{plugin.Tail()}", ex);
            }

            _traps.Clear();
            var first = await Outcome(call);
            var where = point == Point.Timer ? $"{delay.TotalMilliseconds:0} ms in" : $"{point} command {command} ({Describe(_traps.Since(mark), command)})";
            if (inFlight)
            {
                tally.InFlight++;
            }
            else
            {
                tally.Late++;
                _durationEstimate[rpc] = Max(_durationEstimate[rpc], clock.Elapsed);
                _commandEstimate[rpc] = Math.Max(_commandEstimate[rpc], _traps.Count - mark);
                if (first is RpcException failed)
                {
                    Problems.Add($"run {run} {rpc}: the call failed before the kill: {failed.Status}");
                }
            }

            await StartPluginAsync();
            var resumed = await ResumedAtStartAsync();
            _output.WriteLine($"run {run,3}: {rpc,-9} {life.Name,-13} killed {(inFlight ? "in flight" : "after the reply")}, {where}; restarted in {_restarts[^1].TotalSeconds:0.0} s" +
                (resumed > 0 ? $", resumed {resumed} suspended LV(s) at start" : ""));
            var retryMark = _traps.Count;
            var retry = Stopwatch.StartNew();
            var (response, attempts) = await RetryAsync(rpc, life, run);
            tally.Retries += attempts;
            _durationEstimate[rpc] = Max(_durationEstimate[rpc], retry.Elapsed);
            _commandEstimate[rpc] = Math.Max(_commandEstimate[rpc], _traps.Count - retryMark);
            await AfterAsync(run, rpc, life, response);
        }

        /// <summary>The current volume's next RPC without a crash.</summary>
        public async Task FinishAsync()
        {
            var life = Volume!;
            var rpc = life.Done is { } done ? done + 1 : Rpc.Create;
            var (response, _) = await RetryAsync(rpc, life, -1);
            await AfterAsync(-1, rpc, life, response);
        }

        public string Summary(TimeSpan elapsed)
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"crash injection summary ({elapsed.TotalSeconds:0} s, {_starts} plugin starts, median start {Median(_restarts).TotalMilliseconds:0} ms):");
            text.AppendLine("  RPC        runs  in-flight  late  timer  before  during  after  retries");
            foreach (var (rpc, t) in _tally)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  {rpc,-9} {t.Runs,5} {t.InFlight,10} {t.Late,5} {t.Points[Point.Timer],6} {t.Points[Point.BeforeCommand],7} {t.Points[Point.DuringCommand],7} {t.Points[Point.AfterCommand],6} {t.Retries,8}");
            }

            var all = _tally.Values;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {"total",-9} {all.Sum(t => t.Runs),5} {all.Sum(t => t.InFlight),10} {all.Sum(t => t.Late),5} {all.Sum(t => t.Points[Point.Timer]),6} {all.Sum(t => t.Points[Point.BeforeCommand]),7} {all.Sum(t => t.Points[Point.DuringCommand]),7} {all.Sum(t => t.Points[Point.AfterCommand]),6} {all.Sum(t => t.Retries),8}");
            text.Append(CultureInfo.InvariantCulture, $"  leaks found: {_leaks}; problems: {Problems.Count}; volume lives: {_lives}; suspended LVs the restarted plugin resumed: {_resumedSuspended}");
            return text.ToString();
        }

        public async ValueTask DisposeAsync()
        {
            if (_plugin is not null)
            {
                if (Problems.Count > 0)
                {
                    _output.WriteLine("the plugin's last log lines:\n" + _plugin.Tail());
                }

                try
                {
                    await _plugin.DisposeAsync();
                }
                catch (TimeoutException ex)
                {
                    _output.WriteLine($"disposing the plugin: {ex.Message}\n{Diagnose()}");
                }
            }

            // A failed run may have left a device suspended; unmounting its filesystem would then block for good.
            foreach (var device in MappedDevices().Where(d => d.Suspended))
            {
                _output.WriteLine($"resuming {device.Name}, left suspended: {(await Sh.TryRunAsync("dmsetup", ["resume", device.Name], TimeSpan.FromSeconds(30))).ExitCode}");
            }

            await Mounts.UnmountAllBelowAsync(_work);
            Directory.Delete(_work, recursive: true);
        }

        private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

        private static TimeSpan Median(List<TimeSpan> values) => values.Count == 0 ? TimeSpan.Zero : values.Order().ElementAt(values.Count / 2);

        private static string Describe(IReadOnlyList<string> commands, int index) =>
            index < commands.Count ? string.Join(' ', commands[index].Split(' ').Take(2)) : "not reached";

        private static async Task<object?> Outcome(Task<IMessage> call)
        {
            try
            {
                return await call.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (RpcException ex)
            {
                return ex;
            }
        }

        private Life NextLife(Rpc rpc)
        {
            if (rpc == Rpc.Create)
            {
                Volume = new Life(_lives++, _work);
            }

            return Volume ?? throw new InvalidOperationException("no volume to run " + rpc + " on");
        }

        private async Task StartPluginAsync()
        {
            var clock = Stopwatch.StartNew();
            try
            {
                _plugin = await PluginProcess.StartAsync(
                    Path.Combine(_work, "csi.sock"), _config, _traps.BinDirectory, Path.Combine(_work, $"stratum-{_starts++}.log"), TimeSpan.FromMinutes(2));
            }
            catch (TimeoutException ex)
            {
                _plugin = null;
                throw new InvalidOperationException($"{ex.Message}\n{Diagnose()}", ex);
            }

            _restarts.Add(clock.Elapsed);
        }

        /// <summary>How many suspended LVs the plugin just started says it resumed (its start-up recovery logs each).</summary>
        private async Task<int> ResumedAtStartAsync()
        {
            var log = await File.ReadAllTextAsync(_plugin!.LogPath);
            var count = log.Split('\n').Count(l => l.Contains("had left its device suspended", StringComparison.Ordinal));
            _resumedSuspended += count;
            return count;
        }

        /// <summary>
        /// What the machine looks like when something blocks: the device-mapper devices (a suspended
        /// one blocks every IO to it) and the processes in uninterruptible sleep, with where in the
        /// kernel they wait. Read from sysfs and procfs only, so it cannot block itself.
        /// </summary>
        private static string Diagnose()
        {
            var text = new StringBuilder("device-mapper devices:\n");
            foreach (var device in MappedDevices())
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {device.Name} ({device.Dev}){(device.Suspended ? " SUSPENDED" : "")}");
            }

            text.AppendLine("processes in uninterruptible sleep (D):");
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('D'))
                    {
                        var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                        var stack = File.Exists(Path.Combine(dir, "stack")) ? File.ReadAllText(Path.Combine(dir, "stack")).Trim() : "";
                        text.AppendLine(CultureInfo.InvariantCulture, $"  {Path.GetFileName(dir)}: {cmdline} (wchan {File.ReadAllText(Path.Combine(dir, "wchan"))})\n    {stack.Replace("\n", "\n    ", StringComparison.Ordinal)}");
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Gone meanwhile, or not readable.
                }
            }

            return text.ToString();
        }

        /// <summary>Every device-mapper device, from sysfs.</summary>
        private static List<(string Name, string Dev, bool Suspended)> MappedDevices() =>
            Directory.EnumerateDirectories("/sys/block", "dm-*")
                .Select(d => (
                    Name: File.ReadAllText(Path.Combine(d, "dm", "name")).Trim(),
                    Dev: File.ReadAllText(Path.Combine(d, "dev")).Trim(),
                    Suspended: File.ReadAllText(Path.Combine(d, "dm", "suspended")).Trim() == "1"))
                .ToList();

        private static Task<IMessage> SendAsync(CsiClient client, Rpc rpc, Life life) => SendAsync(client, rpc, life, DateTime.UtcNow.AddMinutes(5));

        private static Task<IMessage> SendAsync(CsiClient client, Rpc rpc, Life life, DateTime deadline)
        {
            return rpc switch
            {
                Rpc.Create => Cast(client.Controller.CreateVolumeAsync(Requests.Create(life.Name, SizeBytes, Capability), deadline: deadline).ResponseAsync),
                Rpc.Stage => Cast(client.Node.NodeStageVolumeAsync(Requests.Stage(life.Id!, life.Staging, Capability), deadline: deadline).ResponseAsync),
                Rpc.Publish => Cast(client.Node.NodePublishVolumeAsync(Requests.Publish(life.Id!, life.Staging, life.Target, Capability), deadline: deadline).ResponseAsync),
                Rpc.Expand => Cast(client.Node.NodeExpandVolumeAsync(Requests.Expand(life.Id!, life.Target, ExpandedBytes, 0, Capability, life.Staging), deadline: deadline).ResponseAsync),
                Rpc.Unpublish => Cast(client.Node.NodeUnpublishVolumeAsync(new NodeUnpublishVolumeRequest { VolumeId = life.Id, TargetPath = life.Target }, deadline: deadline).ResponseAsync),
                Rpc.Unstage => Cast(client.Node.NodeUnstageVolumeAsync(new NodeUnstageVolumeRequest { VolumeId = life.Id, StagingTargetPath = life.Staging }, deadline: deadline).ResponseAsync),
                _ => Cast(client.Controller.DeleteVolumeAsync(new DeleteVolumeRequest { VolumeId = life.Id }, deadline: deadline).ResponseAsync),
            };

            static async Task<IMessage> Cast<T>(Task<T> task)
                where T : IMessage => await task;
        }

        /// <summary>Calls until the RPC succeeds, retrying what kubelet and the sidecars retry.</summary>
        private async Task<(IMessage Response, int Attempts)> RetryAsync(Rpc rpc, Life life, int run)
        {
            // Bounded: a retry that blocks (an RPC stuck in the kernel) fails the test with what blocks, well before the testbed's idle timeout.
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return (await SendAsync(_plugin!.Client, rpc, life, deadline), attempt);
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.Aborted or StatusCode.Unavailable or StatusCode.DeadlineExceeded && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(250);
                }
                catch (RpcException ex)
                {
                    throw new InvalidOperationException($"run {run}: the retried {rpc} of {life.Name} failed: {ex.Status}\n{Diagnose()}\nthe plugin's log:\n{_plugin!.Tail()}", ex);
                }
            }
        }

        /// <summary>The checks after an RPC has (finally) succeeded.</summary>
        private async Task AfterAsync(int run, Rpc rpc, Life life, IMessage response)
        {
            life.Done = rpc;
            switch (rpc)
            {
                case Rpc.Create:
                    life.Id = ((CreateVolumeResponse)response).Volume.VolumeId;
                    var signature = await Sh.TryRunAsync("blkid", ["-p", "-o", "value", "-s", "TYPE", DevicePath(life)]);
                    if (signature.ExitCode != 2)
                    {
                        Problems.Add($"run {run}: new volume {life.Name} is not blank: blkid -p finds '{signature.Stdout.Trim()}' (exit {signature.ExitCode})");
                    }

                    break;
                case Rpc.Stage:
                    var foreign = Directory.EnumerateFileSystemEntries(life.Staging).Select(Path.GetFileName).Where(n => n is not "lost+found").ToList();
                    if (foreign.Count > 0)
                    {
                        Problems.Add($"run {run}: newly staged volume {life.Name} shows files it never had: {string.Join(", ", foreign)}");
                    }

                    break;
                case Rpc.Publish when life.Checksum is null:
                    life.Checksum = await WriteDataAsync(Path.Combine(life.Target, "data"));
                    break;
                case Rpc.Publish or Rpc.Expand:
                    await VerifyDataAsync(run, life, Path.Combine(life.Target, "data"));
                    if (rpc == Rpc.Expand && ((NodeExpandVolumeResponse)response).CapacityBytes < ExpandedBytes)
                    {
                        Problems.Add($"run {run}: {life.Name} expanded to {((NodeExpandVolumeResponse)response).CapacityBytes} bytes, asked {ExpandedBytes}");
                    }

                    break;
                case Rpc.Unpublish:
                    await VerifyDataAsync(run, life, Path.Combine(life.Staging, "data"));
                    break;
                case Rpc.Unstage:
                    var check = Path.Combine(_work, "check");
                    Directory.CreateDirectory(check);
                    await Sh.RunAsync("mount", "-o", "ro,noload", DevicePath(life), check);
                    try
                    {
                        await VerifyDataAsync(run, life, Path.Combine(check, "data"));
                    }
                    finally
                    {
                        await Sh.RunAsync("umount", check);
                    }

                    break;
                case Rpc.Delete:
                    var lvs = (await Sh.RunAsync("lvs", "--noheadings", "-o", "lv_name,lv_tags", _vg.VgName)).Stdout.Trim();
                    if (lvs.Length > 0)
                    {
                        _leaks++;
                        Problems.Add($"run {run}: after deleting {life.Name} the VG still has LVs: {lvs}");
                    }

                    Volume = null;
                    await ReseedAsync();
                    break;
            }

            CheckDevicesAndMounts(run, rpc, life);
        }

        /// <summary>Exactly the mounts and device-mapper devices the volume's state calls for.</summary>
        private void CheckDevicesAndMounts(int run, Rpc rpc, Life life)
        {
            var prefix = _vg.VgName.Replace("-", "--", StringComparison.Ordinal) + "-";
            var mapped = MappedDevices()
                .Where(d => d.Name.StartsWith(prefix, StringComparison.Ordinal) || d.Name.StartsWith("stratum-", StringComparison.Ordinal))
                .ToList();
            foreach (var device in mapped.Where(d => d.Suspended))
            {
                Problems.Add($"run {run} after {rpc} of {life.Name}: device-mapper device {device.Name} is suspended (every IO to it blocks)");
            }

            var expectDevice = rpc != Rpc.Delete;
            var ours = expectDevice ? DmName(life) : null;
            var strays = mapped.Where(d => d.Name != ours).Select(d => d.Name).ToList();
            if (strays.Count > 0 || (expectDevice && strays.Count == mapped.Count))
            {
                _leaks += strays.Count;
                Problems.Add($"run {run} after {rpc} of {life.Name}: device-mapper devices {string.Join(", ", mapped.Select(d => d.Name))}, expected {ours ?? "none"}");
            }

            var expected = rpc switch
            {
                Rpc.Stage or Rpc.Unpublish => new[] { life.Staging },
                Rpc.Publish or Rpc.Expand => [life.Staging, life.Target],
                _ => [],
            };
            var devices = mapped.Select(d => d.Dev).ToHashSet();
            var mounts = MountInfo.ReadSelf()
                .Where(m => m.MountPoint.StartsWith(_work + "/", StringComparison.Ordinal) || devices.Contains($"{m.DeviceMajor}:{m.DeviceMinor}"))
                .Select(m => m.MountPoint)
                .Order(StringComparer.Ordinal)
                .ToList();
            if (!mounts.SequenceEqual(expected.Order(StringComparer.Ordinal)))
            {
                _leaks += Math.Max(0, mounts.Count - expected.Length);
                Problems.Add($"run {run} after {rpc} of {life.Name}: mounts [{string.Join(", ", mounts)}], expected [{string.Join(", ", expected)}]");
            }
        }

        private string DevicePath(Life life) => $"/dev/{_vg.VgName}/{LvName(life)}";

        private string DmName(Life life) => $"{_vg.VgName.Replace("-", "--", StringComparison.Ordinal)}-{LvName(life).Replace("-", "--", StringComparison.Ordinal)}";

        private static string LvName(Life life) => life.Id!.Split(':')[1];

        private async Task<string> WriteDataAsync(string path)
        {
            var data = new byte[256 * 1024];
            _random.NextBytes(data);
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            {
                await file.WriteAsync(data);
                file.Flush(flushToDisk: true);
            }

            return Convert.ToHexStringLower(SHA256.HashData(data));
        }

        private async Task VerifyDataAsync(int run, Life life, string path)
        {
            string? actual = null;
            if (File.Exists(path))
            {
                actual = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path)));
            }

            if (actual != life.Checksum)
            {
                Problems.Add($"run {run}: {life.Name}'s data at {path} reads back as {actual ?? "missing"}, written as {life.Checksum}");
            }
        }

        /// <summary>
        /// A deleted tenant's ext4 (with a file of its own) on the VG's first extents, where the next
        /// volume goes: made once through LVM and kept as an image, then written back over the PV
        /// after every delete (no LVM command).
        /// </summary>
        private async Task SeedAsync()
        {
            var pv = _vg.PvPaths[0];
            _peStart = long.Parse((await Sh.RunAsync("pvs", "--noheadings", "--units", "b", "--nosuffix", "-o", "pe_start", pv)).Stdout.Trim(), CultureInfo.InvariantCulture);
            Assert.True(_peStart % MiB == 0, $"pe_start {_peStart} is not MiB-aligned");
            await Sh.RunAsync("lvcreate", "--yes", "--name", "tenant", "--size", $"{SizeBytes / MiB}m", _vg.VgName);
            var device = $"/dev/{_vg.VgName}/tenant";
            await Sh.RunAsync("mkfs.ext4", "-q", device);
            var mount = Path.Combine(_work, "tenant");
            Directory.CreateDirectory(mount);
            await Sh.RunAsync("mount", device, mount);
            await File.WriteAllTextAsync(Path.Combine(mount, SeedFile), "a deleted volume's data: no later volume may show it\n");
            await Sh.RunAsync("umount", mount);
            await Sh.RunAsync("dd", $"if={device}", $"of={_seedImage}", "bs=1M", "iflag=direct", "status=none");
            await Sh.RunAsync("lvremove", "--yes", $"{_vg.VgName}/tenant");
        }

        private async Task ReseedAsync() =>
            await Sh.RunAsync("dd", $"if={_seedImage}", $"of={_vg.PvPaths[0]}", "bs=1M", $"seek={_peStart / MiB}", "oflag=direct", "conv=fsync", "status=none");
    }
}
