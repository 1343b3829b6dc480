using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Volumes.Filesystems;
using Stratum.Volumes.Metadata;

namespace Stratum.Volumes.Disks;

/// <summary>Settings of <see cref="DiskManager"/>.</summary>
public sealed record DiskManagerOptions
{
    /// <summary>After a change under a watched <c>/dev</c> directory, how long to wait for the burst to end.</summary>
    public TimeSpan HotplugDebounce { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Builds and grows the volume groups of device classes that list <c>devices</c>: every matching
/// disk that is entirely blank joins its volume group (<c>vgcreate</c> for the first, <c>vgextend</c>
/// after), then missing thin pools are created and pools sized as a share of the VG grown with it.
/// Anything not blank or not safe (see <see cref="DiskInspector"/> and the low-level probe) is
/// reported with the reason and never written to; no physical volume is ever removed or wiped.
/// Runs on start, after a configuration change, every <see cref="StratumConfig.DiskRescanSeconds"/>,
/// and soon after a device appears under a watched directory (hot-plug).
/// </summary>
public sealed partial class DiskManager : IAsyncDisposable
{
    /// <summary>The tag on the VGs and pools Stratum created: recovery activates such VGs whole.</summary>
    public const string ManagedTag = "stratum/managed=lvm.stratum.dev";

    private readonly ILvm _lvm;
    private readonly IFilesystemOps _probe;
    private readonly IDiskHost _host;
    private readonly Func<CancellationToken, Task> _capacityChanged;
    private readonly ILogger _logger;
    private readonly DiskManagerOptions _options;
    private readonly SemaphoreSlim _scanGate = new(1, 1);
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private int _fullScanRequested;
    private IReadOnlySet<(string Path, DeviceNumber Number)> _lastMatched = new HashSet<(string, DeviceNumber)>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, FileSystemWatcher> _watchers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _lastLogged = new(StringComparer.Ordinal);
    private DiskReport _last = DiskReport.Empty;
    private Task? _loop;

    /// <param name="capacityChanged">Called after a scan changed a VG or pool, so capacity is refreshed at once.</param>
    public DiskManager(ILvm lvm, IFilesystemOps probe, IDiskHost host, Func<CancellationToken, Task> capacityChanged, ILogger<DiskManager> logger, DiskManagerOptions? options = null)
    {
        _lvm = lvm;
        _probe = probe;
        _host = host;
        _capacityChanged = capacityChanged;
        _logger = logger;
        _options = options ?? new DiskManagerOptions();
    }

    /// <summary>The last scan's outcome (<see cref="DiskReport.Empty"/> before the first).</summary>
    public DiskReport LastReport => Volatile.Read(ref _last);

    /// <summary>Asks for a full scan soon (e.g. the configuration changed).</summary>
    public void RequestScan()
    {
        Interlocked.Exchange(ref _fullScanRequested, 1);
        _requests.Writer.TryWrite(true);
    }

    /// <summary>
    /// Something appeared under a watched directory. /dev changes with every LV Stratum creates, so
    /// this only scans when the set of matching disks differs from the last scan's (a directory
    /// listing, no LVM command).
    /// </summary>
    internal void OnDeviceChange() => _requests.Writer.TryWrite(true);

    /// <summary>
    /// Keeps scanning in the background, periodically and on request, with the classes of the moment;
    /// <paramref name="scanFirst"/> starts with a scan (false when the caller has just run one).
    /// </summary>
    public void Start(Func<DeviceClassManager> classes, bool scanFirst = true)
    {
        ArgumentNullException.ThrowIfNull(classes);
        _loop ??= Task.Run(() => RunAsync(classes, scanFirst, _stop.Token));
    }

    /// <summary>One pass over every volume group the classes manage.</summary>
    public async Task<DiskReport> ScanAsync(DeviceClassManager classes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(classes);
        await _scanGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var report = await ScanLockedAsync(Plans(classes), cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _last, report);
            if (report.Changed)
            {
                await _capacityChanged(cancellationToken).ConfigureAwait(false);
            }

            return report;
        }
        finally
        {
            _scanGate.Release();
        }
    }

    /// <summary>The volume groups with <c>devices</c>: their patterns, pools and the most spare any of their classes keeps.</summary>
    internal static IReadOnlyList<GroupPlan> Plans(DeviceClassManager classes) =>
        [.. classes.All
            .GroupBy(c => c.VolumeGroup, StringComparer.Ordinal)
            .Where(g => g.Any(c => c.Devices is not null))
            .Select(g => new GroupPlan(
                g.Key,
                g.First(c => c.Devices is not null).Devices!,
                [.. g.Where(c => c.Thin is not null).Select(c => c.Thin!).DistinctBy(t => t.Pool, StringComparer.Ordinal)],
                g.Max(c => c.SpareBytes)))];

    private async Task<DiskReport> ScanLockedAsync(IReadOnlyList<GroupPlan> plans, CancellationToken cancellationToken)
    {
        if (plans.Count == 0)
        {
            return new DiskReport(DateTimeOffset.UtcNow, [], []);
        }

        var matches = FindMatches(plans);
        Volatile.Write(ref _lastMatched, Fingerprint(matches));

        var pvs = await _lvm.ListPhysicalVolumesAsync(null, cancellationToken).ConfigureAwait(false);
        var pvByNumber = new Dictionary<DeviceNumber, PhysicalVolume>();
        foreach (var pv in pvs)
        {
            if (pv.Name.StartsWith('/') && _host.BlockDeviceNumber(pv.Name) is { } number)
            {
                pvByNumber.TryAdd(number, pv);
            }
        }

        var inspector = new DiskInspector(_host);
        Dictionary<string, string>? ownVolumes = null;
        var disks = new List<DiskStatus>();
        var candidates = plans.ToDictionary(p => p.Name, _ => new List<(Match Match, BlockDevice Device)>(), StringComparer.Ordinal);
        foreach (var match in matches.Values.OrderBy(m => m.Path, StringComparer.Ordinal))
        {
            var device = _host.Describe(match.Number);
            var group = match.Plans[0].Name;
            if (device is null)
            {
                continue; // gone between the listing and now
            }

            string? refusal = null;
            if (match.Plans.Count > 1)
            {
                refusal = $"is matched by the devices of volume groups {string.Join(" and ", match.Plans.Select(p => $"'{p.Name}'"))}; a disk can join only one";
                group = string.Join(",", match.Plans.Select(p => p.Name));
            }
            else if (pvByNumber.TryGetValue(match.Number, out var pv))
            {
                if (pv.VolumeGroup == group)
                {
                    disks.Add(new DiskStatus(match.Path, device.Label, device.SizeBytes, group, DiskState.Member, null));
                    continue;
                }

                refusal = pv.VolumeGroup is { } other
                    ? $"is an LVM physical volume of volume group '{other}'"
                    : "is an LVM physical volume in no volume group (Stratum only takes blank disks; add it by hand with vgextend if it is meant for this group)";
            }
            else
            {
                if (device.IsLvmMade && ownVolumes is null)
                {
                    var ours = await _lvm.FindLogicalVolumesByTagAsync(VolumeMetadata.OwnerTag, cancellationToken).ConfigureAwait(false);
                    ownVolumes = ours.Where(lv => lv.DeviceMapperPath is not null)
                        .ToDictionary(lv => Path.GetFileName(lv.DeviceMapperPath!), lv => lv.FullName, StringComparer.Ordinal);
                }

                refusal = inspector.Refusal(device, dm => ownVolumes?.GetValueOrDefault(dm));
                if (refusal is null)
                {
                    var contents = await _probe.ProbeAsync(match.Path, cancellationToken).ConfigureAwait(false);
                    refusal = contents.IsBlank ? null : Describe(contents);
                }
            }

            if (refusal is not null)
            {
                disks.Add(new DiskStatus(match.Path, device.Label, device.SizeBytes, group, DiskState.Refused, refusal));
            }
            else
            {
                candidates[group].Add((match, device));
            }
        }

        var groups = await _lvm.ListVolumeGroupsAsync(cancellationToken).ConfigureAwait(false);
        var statuses = new List<VolumeGroupStatus>();
        foreach (var plan in plans)
        {
            var existing = groups.FirstOrDefault(g => g.Name == plan.Name);
            foreach (var (match, device) in candidates[plan.Name])
            {
                disks.Add(await ClaimAsync(plan, existing, match.Path, device, cancellationToken).ConfigureAwait(false));
                if (existing is null && disks[^1].State == DiskState.Claimed)
                {
                    existing = await _lvm.GetVolumeGroupAsync(plan.Name, cancellationToken).ConfigureAwait(false);
                }
            }

            // PVs of the group that no pattern (or no disk) accounts for: kept, never removed.
            foreach (var pv in pvs.Where(p => p.VolumeGroup == plan.Name))
            {
                var number = pv.Name.StartsWith('/') ? _host.BlockDeviceNumber(pv.Name) : null;
                if (number is null)
                {
                    disks.Add(new DiskStatus(pv.Name, string.Empty, pv.SizeBytes, plan.Name, DiskState.Missing, $"physical volume {pv.Uuid} of volume group '{plan.Name}' is missing"));
                }
                else if (!matches.ContainsKey(number.Value))
                {
                    disks.Add(new DiskStatus(pv.Name, _host.Describe(number.Value)?.Label ?? pv.Name, pv.SizeBytes, plan.Name, DiskState.Member, "not matched by 'devices' (any more); kept, since Stratum never removes a physical volume"));
                }
            }

            statuses.Add(await EnsurePoolsAsync(plan, cancellationToken).ConfigureAwait(false));
        }

        LogOutcome(disks);
        return new DiskReport(DateTimeOffset.UtcNow, disks, statuses);
    }

    /// <summary>Which disks each group's patterns match, by device number (a disk may be reached by several names).</summary>
    private Dictionary<DeviceNumber, Match> FindMatches(IReadOnlyList<GroupPlan> plans)
    {
        var matches = new Dictionary<DeviceNumber, Match>();
        foreach (var plan in plans)
        {
            foreach (var pattern in plan.Devices.Patterns)
            {
                foreach (var entry in _host.ListDirectory(pattern.Directory).Where(pattern.MatchesName).Order(StringComparer.Ordinal))
                {
                    var path = pattern.Directory + "/" + entry;
                    if (_host.BlockDeviceNumber(path) is not { } number)
                    {
                        continue;
                    }

                    if (!matches.TryGetValue(number, out var match))
                    {
                        matches[number] = new Match(path, number, [plan]);
                    }
                    else if (!match.Plans.Contains(plan))
                    {
                        match.Plans.Add(plan);
                    }
                }
            }
        }

        return matches;
    }

    private static HashSet<(string Path, DeviceNumber Number)> Fingerprint(Dictionary<DeviceNumber, Match> matches) =>
        [.. matches.Values.Select(m => (m.Path, m.Number))];

    private async Task<DiskStatus> ClaimAsync(GroupPlan plan, VolumeGroup? existing, string path, BlockDevice device, CancellationToken cancellationToken)
    {
        try
        {
            if (existing is null)
            {
                await _lvm.CreateVolumeGroupAsync(plan.Name, [path], [ManagedTag], cancellationToken).ConfigureAwait(false);
                Log.VolumeGroupCreated(_logger, plan.Name, path, device.Label, device.SizeBytes);
            }
            else
            {
                await _lvm.ExtendVolumeGroupAsync(plan.Name, [path], cancellationToken).ConfigureAwait(false);
                Log.VolumeGroupExtended(_logger, plan.Name, path, device.Label, device.SizeBytes);
            }

            return new DiskStatus(path, device.Label, device.SizeBytes, plan.Name, DiskState.Claimed, null);
        }
        catch (LvmException e)
        {
            // LVM refuses a device that still holds a signature (its wipe prompt is answered "no"):
            // whatever raced the probe, nothing was wiped. Retried at the next scan.
            return new DiskStatus(path, device.Label, device.SizeBytes, plan.Name, DiskState.Failed, e.Message);
        }
    }

    private async Task<VolumeGroupStatus> EnsurePoolsAsync(GroupPlan plan, CancellationToken cancellationToken)
    {
        var group = await _lvm.GetVolumeGroupAsync(plan.Name, cancellationToken).ConfigureAwait(false);
        if (group is null)
        {
            return new VolumeGroupStatus(plan.Name, false, 0, 0,
                [.. plan.Pools.Select(p => new PoolStatus(p.Pool, PoolState.Waiting, null, $"volume group '{plan.Name}' does not exist yet: no blank disk matches its devices"))]);
        }

        var pools = new List<PoolStatus>();
        foreach (var settings in plan.Pools)
        {
            try
            {
                var pool = await _lvm.GetLogicalVolumeAsync(plan.Name, settings.Pool, cancellationToken).ConfigureAwait(false);
                pools.Add(pool is null
                    ? await CreatePoolAsync(plan, group, settings, cancellationToken).ConfigureAwait(false)
                    : await GrowPoolAsync(plan, group, settings, pool, cancellationToken).ConfigureAwait(false));
            }
            catch (LvmException e)
            {
                pools.Add(new PoolStatus(settings.Pool, PoolState.Failed, null, e.Message));
                Log.PoolFailed(_logger, plan.Name, settings.Pool, e.Message);
            }

            group = await _lvm.GetVolumeGroupAsync(plan.Name, cancellationToken).ConfigureAwait(false) ?? group;
        }

        return new VolumeGroupStatus(plan.Name, true, group.SizeBytes, group.FreeBytes, pools);
    }

    private async Task<PoolStatus> CreatePoolAsync(GroupPlan plan, VolumeGroup group, ThinPoolSettings settings, CancellationToken cancellationToken)
    {
        var wanted = ThinPoolSizing.RoundDown(settings.Size.For(group.SizeBytes), group.ExtentSizeBytes);
        var room = ThinPoolSizing.DataRoom(group, settings, plan.SpareBytes);
        var size = settings.Size.Bytes is null ? Math.Min(wanted, room) : wanted;
        if (size > room || size < ThinPoolSettings.MinSizeBytes)
        {
            return new PoolStatus(settings.Pool, PoolState.Waiting, null,
                $"volume group '{plan.Name}' has room for {room} bytes of pool data (after metadata and {plan.SpareBytes} bytes spare); the pool needs {Math.Max(size, ThinPoolSettings.MinSizeBytes)}");
        }

        List<string> extra = [];
        if (settings.ChunkSizeBytes is { } chunk)
        {
            extra.AddRange(["--chunksize", Bytes(chunk)]);
        }

        if (settings.MetadataSizeBytes is { } metadata)
        {
            extra.AddRange(["--poolmetadatasize", Bytes(metadata)]);
        }

        var pool = await _lvm.CreateThinPoolAsync(
            new CreateThinPoolRequest { VolumeGroup = plan.Name, Name = settings.Pool, SizeBytes = size, Tags = [ManagedTag], ExtraOptions = extra },
            cancellationToken).ConfigureAwait(false);
        Log.PoolCreated(_logger, plan.Name, settings.Pool, pool.SizeBytes, settings.Size.ToString());
        return new PoolStatus(settings.Pool, PoolState.Created, pool.SizeBytes, null);
    }

    /// <summary>A pool sized as a share of its VG follows the VG when disks join it; an absolute size is left to autogrow.</summary>
    private async Task<PoolStatus> GrowPoolAsync(GroupPlan plan, VolumeGroup group, ThinPoolSettings settings, LogicalVolume pool, CancellationToken cancellationToken)
    {
        if (!pool.IsThinPool)
        {
            return new PoolStatus(settings.Pool, PoolState.Failed, null, $"{pool.FullName} exists but is not a thin pool ({pool.SegmentType}); Stratum does not touch it");
        }

        if (settings.Size.PercentOfVolumeGroup is null)
        {
            return new PoolStatus(settings.Pool, PoolState.Present, pool.SizeBytes, null);
        }

        var wanted = ThinPoolSizing.RoundDown(settings.Size.For(group.SizeBytes), group.ExtentSizeBytes);
        var target = Math.Min(wanted, pool.SizeBytes + ThinPoolSizing.GrowthRoom(group, plan.SpareBytes));
        if (target < pool.SizeBytes + ThinPoolSizing.MinGrowth(group, pool.SizeBytes))
        {
            return new PoolStatus(settings.Pool, PoolState.Present, pool.SizeBytes, null);
        }

        var grown = await _lvm.ExtendVolumeAsync(plan.Name, settings.Pool, target, cancellationToken).ConfigureAwait(false);
        Log.PoolGrown(_logger, plan.Name, settings.Pool, pool.SizeBytes, grown.SizeBytes, settings.Size.ToString());
        return new PoolStatus(settings.Pool, PoolState.Grown, grown.SizeBytes, null);
    }

    private async Task RunAsync(Func<DeviceClassManager> classes, bool scanFirst, CancellationToken stop)
    {
        Task<bool>? request = null;
        var first = scanFirst;
        Watch(Plans(classes()));
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var current = classes();
                if (!first)
                {
                    request ??= _requests.Reader.WaitToReadAsync(stop).AsTask();
                    var tick = Task.Delay(current.Config.DiskRescanInterval, stop);
                    var periodic = true;
                    if (await Task.WhenAny(request, tick).ConfigureAwait(false) == request)
                    {
                        request = null;
                        periodic = false;
                        await Task.Delay(_options.HotplugDebounce, stop).ConfigureAwait(false);
                        while (_requests.Reader.TryRead(out _))
                        {
                        }
                    }

                    current = classes();
                    var full = Interlocked.Exchange(ref _fullScanRequested, 0) == 1 || periodic;
                    if (!full && Fingerprint(FindMatches(Plans(current))).SetEquals(Volatile.Read(ref _lastMatched)))
                    {
                        continue; // a device came or went, but not one the patterns match
                    }
                }

                first = false;
                Watch(Plans(current));
                await ScanAsync(current, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // LVM down, a probe that timed out, a bug: log it and try again at the next scan.
                Log.ScanFailed(_logger, e.Message);
            }
        }
    }

    /// <summary>Watches the directories the patterns list, so a disk that appears is scanned for within seconds.</summary>
    private void Watch(IReadOnlyList<GroupPlan> plans)
    {
        var wanted = plans.SelectMany(p => p.Devices.Patterns).Select(p => p.Directory).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _watchers.Keys.Where(d => !wanted.Contains(d)).ToList())
        {
            _watchers[gone].Dispose();
            _watchers.Remove(gone);
        }

        foreach (var directory in wanted.Where(d => !_watchers.ContainsKey(d) && Directory.Exists(d)))
        {
            try
            {
                var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName };
                watcher.Created += (_, _) => OnDeviceChange();
                watcher.Renamed += (_, _) => OnDeviceChange();
                watcher.EnableRaisingEvents = true;
                _watchers[directory] = watcher;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
            {
                Log.WatchFailed(_logger, directory, e.Message);
            }
        }
    }

    /// <summary>Logs each disk's outcome once: again only when it changes (a periodic rescan repeats nothing).</summary>
    private void LogOutcome(List<DiskStatus> disks)
    {
        foreach (var disk in disks)
        {
            var key = disk.Path;
            var text = $"{disk.State}:{disk.Reason}";
            if (_lastLogged.TryGetValue(key, out var previous) && previous == text)
            {
                continue;
            }

            _lastLogged[key] = text;
            switch (disk.State)
            {
                case DiskState.Refused:
                    Log.Refused(_logger, disk.Path, disk.Device, disk.VolumeGroup, disk.Reason ?? string.Empty);
                    break;
                case DiskState.Failed:
                    Log.ClaimFailed(_logger, disk.Path, disk.VolumeGroup, disk.Reason ?? string.Empty);
                    break;
                case DiskState.Missing:
                    Log.Missing(_logger, disk.VolumeGroup, disk.Reason ?? string.Empty);
                    break;
                case DiskState.Member:
                    Log.Member(_logger, disk.Path, disk.Device, disk.VolumeGroup);
                    break;
            }
        }
    }

    private static string Describe(DeviceContents contents) => contents.Usage switch
    {
        BlkidExport.PartitionTableUsage => $"holds a partition table ({contents.Type})",
        BlkidExport.AmbivalentUsage => "holds several signatures (blkid cannot tell which is current)",
        "filesystem" => $"holds a filesystem ({contents.Type})",
        "crypto" => $"holds an encryption header ({contents.Type})",
        "raid" => $"holds a RAID or LVM signature ({contents.Type})",
        _ => $"holds a signature ({contents})",
    };

    private static string Bytes(long bytes) => bytes.ToString(CultureInfo.InvariantCulture) + "b";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        foreach (var watcher in _watchers.Values)
        {
            watcher.Dispose();
        }

        _stop.Dispose();
        _scanGate.Dispose();
    }

    /// <summary>One managed volume group as the classes describe it.</summary>
    internal sealed record GroupPlan(string Name, DevicePatterns Devices, IReadOnlyList<ThinPoolSettings> Pools, long SpareBytes);

    private sealed record Match(string Path, DeviceNumber Number, List<GroupPlan> Plans);

    private static partial class Log
    {
        [LoggerMessage(EventId = 5600, Level = LogLevel.Information, Message = "Created volume group {VolumeGroup} on blank disk {Path} ({Device}, {SizeBytes} bytes)")]
        public static partial void VolumeGroupCreated(ILogger logger, string volumeGroup, string path, string device, long sizeBytes);

        [LoggerMessage(EventId = 5601, Level = LogLevel.Information, Message = "Added blank disk {Path} ({Device}, {SizeBytes} bytes) to volume group {VolumeGroup}")]
        public static partial void VolumeGroupExtended(ILogger logger, string volumeGroup, string path, string device, long sizeBytes);

        [LoggerMessage(EventId = 5602, Level = LogLevel.Warning, Message = "Disk {Path} ({Device}) matches the devices of volume group {VolumeGroup} but is left untouched: it {Reason}")]
        public static partial void Refused(ILogger logger, string path, string device, string volumeGroup, string reason);

        [LoggerMessage(EventId = 5603, Level = LogLevel.Error, Message = "Adding blank disk {Path} to volume group {VolumeGroup} failed (retried at the next scan): {Reason}")]
        public static partial void ClaimFailed(ILogger logger, string path, string volumeGroup, string reason);

        [LoggerMessage(EventId = 5604, Level = LogLevel.Information, Message = "Created thin pool {VolumeGroup}/{Pool} with {SizeBytes} bytes of data (configured: {Configured})")]
        public static partial void PoolCreated(ILogger logger, string volumeGroup, string pool, long sizeBytes, string configured);

        [LoggerMessage(EventId = 5605, Level = LogLevel.Information, Message = "Grew thin pool {VolumeGroup}/{Pool} from {FromBytes} to {ToBytes} bytes (configured: {Configured} of the volume group)")]
        public static partial void PoolGrown(ILogger logger, string volumeGroup, string pool, long fromBytes, long toBytes, string configured);

        [LoggerMessage(EventId = 5606, Level = LogLevel.Error, Message = "Thin pool {VolumeGroup}/{Pool} could not be created or grown (retried at the next scan): {Reason}")]
        public static partial void PoolFailed(ILogger logger, string volumeGroup, string pool, string reason);

        [LoggerMessage(EventId = 5607, Level = LogLevel.Error, Message = "Disk scan failed (retried at the next scan): {Reason}")]
        public static partial void ScanFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 5608, Level = LogLevel.Warning, Message = "Cannot watch {Directory} for new disks ({Reason}); they are found at the next periodic scan")]
        public static partial void WatchFailed(ILogger logger, string directory, string reason);

        [LoggerMessage(EventId = 5609, Level = LogLevel.Error, Message = "Volume group {VolumeGroup}: {Reason}; volumes on it cannot be served until the disk returns")]
        public static partial void Missing(ILogger logger, string volumeGroup, string reason);

        [LoggerMessage(EventId = 5610, Level = LogLevel.Debug, Message = "Disk {Path} ({Device}) is a physical volume of {VolumeGroup}")]
        public static partial void Member(ILogger logger, string path, string device, string volumeGroup);
    }
}
