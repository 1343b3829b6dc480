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

/// <summary>
/// Two PVs: the thick class's LVs on the first, so every new volume starts on the extents the
/// deleted ones had; the thin class's pool fills the second (made by the test, out of the way of
/// the first PV's reseeding).
/// </summary>
public sealed class CrashBedFixture() : VolumeGroupFixture(pvCount: 2, pvSizeMiB: 512);

/// <summary>
/// Issue #9's crash injection: the real <c>stratum node</c> (the published native binary when
/// <c>STRATUM_BINARY</c> is set, as tests/real-lvm does) is killed with SIGKILL, together with
/// every command it has running, at a random point inside one lifecycle RPC per run; it is
/// restarted and the RPC retried until it succeeds, as kubelet and the sidecars do. The RPCs take
/// turns (create, stage, publish, expand, snapshot, restore, clone, delete snapshot, unpublish,
/// unstage, delete: one volume's life every eleven runs); the lives alternate between a thick
/// class and a thin one (a pool). A kill point is a random moment after the call was sent, or an
/// exact place around one of the plugin's commands (<see cref="CommandTraps"/>): before it
/// starts, while it runs, or after it has finished but before the plugin hears of it.
/// Snapshot, restore and clone: a CreateSnapshot counts as done once its snapshot is ready (the
/// call is repeated until it says so, as the snapshotter does), so a thick snapshot's background
/// copy is inside the run and a kill can land mid-copy; every reply for one snapshot, restore or
/// clone name must carry the same id (across the restart too); a restore or clone holds the
/// data written after the first publish; every other thick life deletes a second snapshot while
/// its copy still runs. After each of these no LV is there that should not be (a snapshot, a
/// point in time, a half-made copy or restore).
/// After every run: no mount, bind mount or device-mapper device that should not be there; a new
/// volume carries no signature (the VG's extents hold a deleted volume's ext4 before every
/// create), a staged one none of the deleted volume's files; the data written after the first
/// publish reads back with its checksum after every later crash; after a delete the VG has no LV.
/// <c>STRATUM_CRASH_RUNS</c> sets the number of runs (default 44: two thick lives, two thin ones), <c>STRATUM_CRASH_SEED</c> the
/// random seed (printed, so a failure can be replayed).
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class CrashInjectionTests(CrashBedFixture vg, ITestOutputHelper output) : IClassFixture<CrashBedFixture>
{
    private const long MiB = 1024 * 1024;
    private const long SizeBytes = 64 * MiB;
    private const long ExpandedBytes = 96 * MiB;
    private const string SeedFile = "previous-tenant.txt";
    private const int DefaultRuns = 22;
    private const string ThickClass = "default";
    private const string ThinClass = "thin";
    private const string Pool = "pool0";

    private enum Rpc
    {
        Create,
        Stage,
        Publish,
        Expand,
        Snapshot,
        Restore,
        Clone,
        DeleteSnapshot,
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
                await bed.RunAsync(run, (Rpc)(run % Lifecycle));
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

    /// <summary>How many RPCs one volume's life has.</summary>
    private static readonly int Lifecycle = Enum.GetValues<Rpc>().Length;

    private static int? EnvInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>One volume's life: thick (even numbers) or thin (odd ones).</summary>
    private sealed class Life(int number, string work)
    {
        private readonly Dictionary<Rpc, HashSet<string>> _replies = [];

        public string Name { get; } = $"pvc-crash-{number}";

        public bool Thin { get; } = number % 2 == 1;

        public string Class => Thin ? ThinClass : ThickClass;

        /// <summary>Every other thick life deletes a second snapshot while its copy runs (DeleteSnapshot's run).</summary>
        public bool DeletesWhileCopying { get; } = number % 4 == 0;

        public string SnapshotName => $"snapshot-crash-{Name}";

        public string CopyingSnapshotName => $"snapshot-crash-{Name}-copying";

        public string RestoreName => $"{Name}-restore";

        public string CloneName => $"{Name}-clone";

        /// <summary>The snapshot (ready), from the snapshot's run until it is deleted.</summary>
        public string? SnapshotId { get; set; }

        /// <summary>The second snapshot, taken just before DeleteSnapshot's run deletes it while it is copied.</summary>
        public string? CopyingSnapshotId { get; set; }

        /// <summary>Snapshot ids, the copying one's aside, the VG may hold now.</summary>
        public IEnumerable<string> Snapshots => new[] { SnapshotId, CopyingSnapshotId }.OfType<string>();

        public string Staging { get; } = Path.Combine(work, "staging", number.ToString(CultureInfo.InvariantCulture));

        public string Target { get; } = Path.Combine(work, "pods", number.ToString(CultureInfo.InvariantCulture), "mount");

        public string? Id { get; set; }

        public string? Checksum { get; set; }

        /// <summary>The last RPC that succeeded.</summary>
        public Rpc? Done { get; set; }

        /// <summary>Notes the id a reply of <paramref name="rpc"/> carried (replies may come from a call the kill cut off).</summary>
        public void Replied(Rpc rpc, string id)
        {
            lock (_replies)
            {
                if (!_replies.TryGetValue(rpc, out var ids))
                {
                    _replies[rpc] = ids = [];
                }

                ids.Add(id);
            }
        }

        /// <summary>Every id replies of <paramref name="rpc"/> carried.</summary>
        public IReadOnlyList<string> Replies(Rpc rpc)
        {
            lock (_replies)
            {
                return _replies.TryGetValue(rpc, out var ids) ? [.. ids] : [];
            }
        }
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
            [Rpc.Create] = 3, [Rpc.Stage] = 4, [Rpc.Publish] = 2, [Rpc.Expand] = 4, [Rpc.Snapshot] = 8, [Rpc.Restore] = 5, [Rpc.Clone] = 6,
            [Rpc.DeleteSnapshot] = 4, [Rpc.Unpublish] = 2, [Rpc.Unstage] = 2, [Rpc.Delete] = 3,
        };

        private readonly Dictionary<Rpc, TimeSpan> _durationEstimate = Enum.GetValues<Rpc>().ToDictionary(r => r, _ => TimeSpan.FromSeconds(2));
        private readonly List<TimeSpan> _restarts = [];
        private long _peStart;
        private int _lives;
        private int _starts;
        private int _leaks;
        private int _resumedSuspended;
        private int _copiesResumed;
        private int _unfinishedRemoved;
        private int _restoresChecked;
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
                // The thin class's pool fills the second PV (no spare metadata LV, which would land on the first).
                await Sh.RunAsync("lvcreate", "--yes", "--type", "thin-pool", "--size", "496m", "--poolmetadatasize", "8m", "--poolmetadataspare", "n",
                    "--name", Pool, vg.VgName, vg.PvPaths[1]);
                await File.WriteAllTextAsync(bed._config, $"""
                    capacityRefreshSeconds: {StratumConfig.MaxCapacityRefreshSeconds}
                    deviceClasses:
                      - name: {ThickClass}
                        volumeGroup: {vg.VgName}
                        default: true
                        fsType: ext4
                      - name: {ThinClass}
                        volumeGroup: {vg.VgName}
                        fsType: ext4
                        thin:
                          pool: {Pool}
                          size: 496Mi
                          overprovisionRatio: 4
                          autogrow: false
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
            await PrepareAsync(rpc, life);
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
            _output.WriteLine($"run {run,3}: {rpc,-14} {life.Name,-13} killed {(inFlight ? "in flight" : "after the reply")}, {where}; restarted in {_restarts[^1].TotalSeconds:0.0} s" +
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
            await PrepareAsync(rpc, life);
            var (response, _) = await RetryAsync(rpc, life, -1);
            await AfterAsync(-1, rpc, life, response);
        }

        public string Summary(TimeSpan elapsed)
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"crash injection summary ({elapsed.TotalSeconds:0} s, {_starts} plugin starts, median start {Median(_restarts).TotalMilliseconds:0} ms):");
            text.AppendLine("  RPC             runs  in-flight  late  timer  before  during  after  retries");
            foreach (var (rpc, t) in _tally)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  {rpc,-14} {t.Runs,5} {t.InFlight,10} {t.Late,5} {t.Points[Point.Timer],6} {t.Points[Point.BeforeCommand],7} {t.Points[Point.DuringCommand],7} {t.Points[Point.AfterCommand],6} {t.Retries,8}");
            }

            var all = _tally.Values;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {"total",-14} {all.Sum(t => t.Runs),5} {all.Sum(t => t.InFlight),10} {all.Sum(t => t.Late),5} {all.Sum(t => t.Points[Point.Timer]),6} {all.Sum(t => t.Points[Point.BeforeCommand]),7} {all.Sum(t => t.Points[Point.DuringCommand]),7} {all.Sum(t => t.Points[Point.AfterCommand]),6} {all.Sum(t => t.Retries),8}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  leaks found: {_leaks}; problems: {Problems.Count}; volume lives: {_lives} ({(_lives + 1) / 2} thick, {_lives / 2} thin); suspended LVs the restarted plugin resumed: {_resumedSuspended}");
            text.Append(CultureInfo.InvariantCulture,
                $"  restores and clones whose data read back: {_restoresChecked}; thick snapshot copies the restarted plugin resumed: {_copiesResumed}, unfinished snapshots it removed: {_unfinishedRemoved}; " +
                $"{elapsed.TotalSeconds / Math.Max(1, all.Sum(t => t.Runs)):0.0} s per run");
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
            var lines = log.Split('\n');
            var count = lines.Count(l => l.Contains("had left its device suspended", StringComparison.Ordinal));
            _resumedSuspended += count;
            _copiesResumed += lines.Count(l => l.Contains("interrupted by a restart", StringComparison.Ordinal));
            _unfinishedRemoved += lines.Count(l => l.Contains("Removing unfinished snapshot", StringComparison.Ordinal));
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
                Rpc.Create => Cast(client.Controller.CreateVolumeAsync(Requests.Create(life.Name, SizeBytes, Capability, life.Class), deadline: deadline).ResponseAsync),
                Rpc.Snapshot => SnapshotUntilReadyAsync(client, life, deadline),
                Rpc.Restore => CreateFromAsync(client, Rpc.Restore, life, life.RestoreName,
                    new VolumeContentSource { Snapshot = new VolumeContentSource.Types.SnapshotSource { SnapshotId = life.SnapshotId } }, deadline),
                Rpc.Clone => CreateFromAsync(client, Rpc.Clone, life, life.CloneName,
                    new VolumeContentSource { Volume = new VolumeContentSource.Types.VolumeSource { VolumeId = life.Id } }, deadline),
                Rpc.DeleteSnapshot => Cast(client.Controller.DeleteSnapshotAsync(
                    new DeleteSnapshotRequest { SnapshotId = life.CopyingSnapshotId ?? life.SnapshotId }, deadline: deadline).ResponseAsync),
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

        /// <summary>CreateSnapshot, repeated until the snapshot is ready (as the snapshotter polls a thick one whose copy runs).</summary>
        private static async Task<IMessage> SnapshotUntilReadyAsync(CsiClient client, Life life, DateTime deadline)
        {
            while (true)
            {
                var response = await client.Controller.CreateSnapshotAsync(
                    new CreateSnapshotRequest { Name = life.SnapshotName, SourceVolumeId = life.Id }, deadline: deadline).ResponseAsync;
                life.Replied(Rpc.Snapshot, response.Snapshot.SnapshotId);
                if (response.Snapshot.ReadyToUse)
                {
                    return response;
                }

                await Task.Delay(250);
            }
        }

        /// <summary>A restore or clone: CreateVolume of the life's class and size with a content source.</summary>
        private static async Task<IMessage> CreateFromAsync(CsiClient client, Rpc rpc, Life life, string name, VolumeContentSource source, DateTime deadline)
        {
            var request = Requests.Create(name, ExpandedBytes, Capability, life.Class);
            request.VolumeContentSource = source;
            var response = await client.Controller.CreateVolumeAsync(request, deadline: deadline).ResponseAsync;
            life.Replied(rpc, response.Volume.VolumeId);
            return response;
        }

        /// <summary>
        /// Before DeleteSnapshot's run in a life that deletes while copying: a second (thick)
        /// snapshot, whose copy has just started when the run deletes it.
        /// </summary>
        private async Task PrepareAsync(Rpc rpc, Life life)
        {
            if (rpc != Rpc.DeleteSnapshot || !life.DeletesWhileCopying || life.CopyingSnapshotId is not null)
            {
                return;
            }

            var (response, _) = await RetryAsync(life, "CreateSnapshot (to delete while copying)", client => client.Controller.CreateSnapshotAsync(
                new CreateSnapshotRequest { Name = life.CopyingSnapshotName, SourceVolumeId = life.Id }, deadline: DateTime.UtcNow.AddMinutes(3)).ResponseAsync);
            life.CopyingSnapshotId = response.Snapshot.SnapshotId;
        }

        /// <summary>Calls until the RPC succeeds, retrying what kubelet and the sidecars retry.</summary>
        private async Task<(IMessage Response, int Attempts)> RetryAsync(Rpc rpc, Life life, int run)
        {
            // Bounded: a retry that blocks (an RPC stuck in the kernel) fails the test with what blocks, well before the testbed's idle timeout.
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            return await RetryAsync(life, $"run {run}: the retried {rpc}", client => SendAsync(client, rpc, life, deadline));
        }

        /// <summary>Calls until <paramref name="call"/> succeeds (within 3 minutes), retrying ABORTED, UNAVAILABLE and DEADLINE_EXCEEDED.</summary>
        private async Task<(T Response, int Attempts)> RetryAsync<T>(Life life, string what, Func<CsiClient, Task<T>> call)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return (await call(_plugin!.Client), attempt);
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.Aborted or StatusCode.Unavailable or StatusCode.DeadlineExceeded && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(250);
                }
                catch (RpcException ex)
                {
                    throw new InvalidOperationException($"{what} of {life.Name} failed: {ex.Status}\n{Diagnose()}\nthe plugin's log:\n{_plugin!.Tail()}", ex);
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
                case Rpc.Snapshot:
                    var snapshot = ((CreateSnapshotResponse)response).Snapshot;
                    life.SnapshotId = snapshot.SnapshotId;
                    SameIdInEveryReply(run, rpc, life);
                    if (snapshot.SourceVolumeId != life.Id || snapshot.SizeBytes < ExpandedBytes)
                    {
                        Problems.Add($"run {run}: snapshot {snapshot.SnapshotId} of {life.Name} says source {snapshot.SourceVolumeId} and {snapshot.SizeBytes} bytes, expected {life.Id} and {ExpandedBytes}");
                    }

                    await CheckLogicalVolumesAsync(run, rpc, life);
                    break;
                case Rpc.Restore or Rpc.Clone:
                    // The copy (or thin snapshot) holds the data written after the first publish; then the volume goes again.
                    var made = ((CreateVolumeResponse)response).Volume;
                    SameIdInEveryReply(run, rpc, life);
                    await VerifyOnDeviceAsync(run, life, $"/dev/{_vg.VgName}/{made.VolumeId.Split(':')[1]}", $"{rpc} {made.VolumeId}");
                    _restoresChecked++;
                    await RetryAsync(life, $"run {run}: deleting the {rpc}", client => client.Controller.DeleteVolumeAsync(
                        new DeleteVolumeRequest { VolumeId = made.VolumeId }, deadline: DateTime.UtcNow.AddMinutes(3)).ResponseAsync);
                    await CheckLogicalVolumesAsync(run, rpc, life);
                    break;
                case Rpc.DeleteSnapshot:
                    if (life.CopyingSnapshotId is null)
                    {
                        life.SnapshotId = null;
                    }
                    else
                    {
                        // The snapshot deleted while copying is gone; the ready one goes too (no crash).
                        life.CopyingSnapshotId = null;
                        var ready = life.SnapshotId!;
                        await RetryAsync(life, $"run {run}: deleting the ready snapshot", client => client.Controller.DeleteSnapshotAsync(
                            new DeleteSnapshotRequest { SnapshotId = ready }, deadline: DateTime.UtcNow.AddMinutes(3)).ResponseAsync);
                        life.SnapshotId = null;
                    }

                    var listed = await _plugin!.Client.Controller.ListSnapshotsAsync(new ListSnapshotsRequest { SourceVolumeId = life.Id });
                    if (listed.Entries.Count > 0)
                    {
                        Problems.Add($"run {run}: after DeleteSnapshot ListSnapshots still shows {string.Join(", ", listed.Entries.Select(e => e.Snapshot.SnapshotId))}");
                    }

                    await CheckLogicalVolumesAsync(run, rpc, life);
                    break;
                case Rpc.Unpublish:
                    await VerifyDataAsync(run, life, Path.Combine(life.Staging, "data"));
                    break;
                case Rpc.Unstage:
                    await VerifyOnDeviceAsync(run, life, DevicePath(life), life.Name);
                    break;
                case Rpc.Delete:
                    await CheckLogicalVolumesAsync(run, rpc, life);
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

            // May be there: the thin pool's devices, and a snapshot's LV (active or not, as a restart left it).
            var pool = DmName(Pool);
            var snapshots = life.Snapshots.Select(id => DmName(id.Split(':')[1])).ToHashSet();
            var strays = mapped.Where(d => d.Name != ours && !snapshots.Contains(d.Name) && d.Name != pool && !d.Name.StartsWith(pool + "_t", StringComparison.Ordinal) && d.Name != pool + "-tpool")
                .Select(d => d.Name).ToList();
            if (strays.Count > 0 || (expectDevice && !mapped.Any(d => d.Name == ours)))
            {
                _leaks += strays.Count;
                Problems.Add($"run {run} after {rpc} of {life.Name}: device-mapper devices {string.Join(", ", mapped.Select(d => d.Name))}, expected {ours ?? "none"}");
            }

            var expected = rpc switch
            {
                Rpc.Stage or Rpc.Unpublish => new[] { life.Staging },
                Rpc.Publish or Rpc.Expand or Rpc.Snapshot or Rpc.Restore or Rpc.Clone or Rpc.DeleteSnapshot => [life.Staging, life.Target],
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

        private string DmName(Life life) => DmName(LvName(life));

        private string DmName(string lv) => $"{_vg.VgName.Replace("-", "--", StringComparison.Ordinal)}-{lv.Replace("-", "--", StringComparison.Ordinal)}";

        /// <summary>Every reply for the RPC's name carried one id, whichever process gave it.</summary>
        private void SameIdInEveryReply(int run, Rpc rpc, Life life)
        {
            if (life.Replies(rpc) is { Count: > 1 } ids)
            {
                Problems.Add($"run {run}: {rpc} of {life.Name} is not idempotent across the restart: its replies carried {string.Join(", ", ids)}");
            }
        }

        /// <summary>
        /// Exactly the LVs the life's state calls for: the pool, the volume (until deleted) and its
        /// snapshots; anything else (a snapshot, a point in time, a half-made copy, restore or clone) is a leak.
        /// </summary>
        private async Task CheckLogicalVolumesAsync(int run, Rpc rpc, Life life)
        {
            var expected = new HashSet<string>(StringComparer.Ordinal) { Pool };
            if (rpc != Rpc.Delete)
            {
                expected.Add(LvName(life));
            }

            expected.UnionWith(life.Snapshots.Select(id => id.Split(':')[1]));
            var lvs = (await Sh.RunAsync("lvs", "--noheadings", "-o", "lv_name,lv_tags", _vg.VgName)).Stdout
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .ToList();
            var strays = lvs.Where(l => !expected.Contains(l.Split(' ')[0])).ToList();
            if (strays.Count > 0)
            {
                _leaks += strays.Count;
                Problems.Add($"run {run} after {rpc} of {life.Name}: the VG has LVs it should not: {string.Join("; ", strays)}");
            }
        }

        /// <summary>Reads the life's data from a device's filesystem, mounted read-only without replaying its journal.</summary>
        private async Task VerifyOnDeviceAsync(int run, Life life, string device, string what)
        {
            var check = Path.Combine(_work, "check");
            Directory.CreateDirectory(check);
            var mounted = await Sh.TryRunAsync("mount", ["-o", "ro,noload", device, check]);
            if (!mounted.Succeeded)
            {
                Problems.Add($"run {run}: {what} of {life.Name} does not mount: {mounted.Stderr.Trim()}");
                return;
            }

            try
            {
                await VerifyDataAsync(run, life, Path.Combine(check, "data"));
            }
            finally
            {
                await Sh.RunAsync("umount", check);
            }
        }

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
            await Sh.RunAsync("lvcreate", "--yes", "--name", "tenant", "--size", $"{SizeBytes / MiB}m", _vg.VgName, pv);
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
