using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Volumes.Metadata;

namespace Stratum.Volumes.Capacity;

/// <summary>
/// Free space of the managed VGs, kept in memory so GetCapacity never runs an LVM command. A
/// refresh is one report (<see cref="ILvm.ReportAsync"/>: VGs, PVs and LVs together, one
/// <c>lvm fullreport</c>), which also brings the <see cref="VolumeCatalog"/> and the node's
/// inventory (<see cref="NodeReportRead"/>) up to date; an idle node runs exactly one command per
/// refresh period. Stratum's own changes update the figures without a
/// command: a creation brings the report it reads back anyway (<see cref="Apply"/>), a deletion or
/// growth adjusts the VG's free bytes by what it freed or took (<see cref="Adjust"/>). A refresh
/// replaces an immutable snapshot, so readers never see a half-updated view. A report that started
/// before the latest <see cref="Adjust"/> of a VG may predate that change, so its space figures for
/// that VG are ignored (the adjusted ones are exact for Stratum's own changes; the next report
/// brings in anyone else's).
/// </summary>
public sealed partial class CapacityCache : IAsyncDisposable
{
    private readonly ILvm _lvm;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _adjustedAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RefreshQueue> _afterChange = new(StringComparer.Ordinal);
    private ImmutableDictionary<string, VolumeGroupSpace> _snapshot = ImmutableDictionary<string, VolumeGroupSpace>.Empty;
    private long _adjustments;
    private Task? _loop;

    public CapacityCache(ILvm lvm, ILogger<CapacityCache> logger)
        : this(lvm, null, logger)
    {
    }

    /// <param name="catalog">Brought up to date by every refresh (null: capacity only).</param>
    public CapacityCache(ILvm lvm, VolumeCatalog? catalog, ILogger<CapacityCache> logger)
    {
        _lvm = lvm;
        Catalog = catalog;
        _logger = logger;
    }

    /// <summary>When the snapshot was last refreshed from LVM (UTC), or null before the first refresh.</summary>
    public DateTimeOffset? RefreshedAt { get; private set; }

    /// <summary>
    /// Receives each report of every VG and all their LVs (a whole-node refresh or the engine's
    /// start), so other views of the node (status, metrics) need no command of their own.
    /// </summary>
    public Action<LvmReport>? NodeReportRead { get; set; }

    /// <summary>Runs after each periodic refresh (thin pool upkeep); its failures are its own to log.</summary>
    public Func<CancellationToken, Task>? AfterPeriodicRefresh { get; set; }

    /// <summary>The catalog each refresh updates (set by the engine when it was not given at construction).</summary>
    internal VolumeCatalog? Catalog { get; set; }

    /// <summary>The space of a VG as last seen, or null when it was not present.</summary>
    public VolumeGroupSpace? Find(string volumeGroup) => _snapshot.GetValueOrDefault(volumeGroup);

    /// <summary>What <paramref name="deviceClass"/> can still give, from the snapshot.</summary>
    public ClassCapacity CapacityFor(DeviceClass deviceClass) =>
        Find(deviceClass.VolumeGroup)?.CapacityFor(deviceClass) ?? ClassCapacity.None;

    /// <summary>
    /// Re-reads every VG, its PVs and all their LVs (one report: Stratum's for the catalog, thin
    /// ones for thin capacity, every one for <see cref="NodeReportRead"/>) and swaps the snapshot in.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var startedAt = AdjustmentsSoFar();
            var report = Catalog is { } catalog
                ? await catalog.RefreshAsync(() => _lvm.ReportAsync(null, null, cancellationToken), null).ConfigureAwait(false)
                : await _lvm.ReportAsync(null, null, cancellationToken).ConfigureAwait(false);
            Apply(report, null, startedAt);
            NodeReportRead?.Invoke(report);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>Takes a report of every VG and all their LVs read for another purpose (the engine's start) as a full refresh.</summary>
    public async Task TakeFullReportAsync(LvmReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        await _refreshGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Catalog is { } catalog)
            {
                await catalog.RefreshAsync(() => Task.FromResult(report), null).ConfigureAwait(false);
            }

            Apply(report, null, startedAt: 0);
            NodeReportRead?.Invoke(report);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>Reads one report of a VG and brings the catalog and these figures up to date with it.</summary>
    public async Task<LvmReport> RefreshAsync(string volumeGroup, CancellationToken cancellationToken)
    {
        Task<LvmReport> Read() => _lvm.ReportAsync(volumeGroup, VolumeMetadata.OwnerTag, cancellationToken);
        var startedAt = AdjustmentsSoFar();
        var report = Catalog is { } catalog
            ? await catalog.RefreshAsync(Read, [volumeGroup]).ConfigureAwait(false)
            : await Read().ConfigureAwait(false);
        Apply(report, [volumeGroup], startedAt);
        return report;
    }

    /// <summary>
    /// A report of <paramref name="volumeGroup"/> that starts after this call (so it sees every
    /// change made before it), shared: at most one such report of a VG runs at a time, and the
    /// requests that arrive while one runs share the single report queued behind it. What 32
    /// concurrent CreateVolumes need is then two or three reports, not 32. Never cancelled (it
    /// follows a change).
    /// </summary>
    public Task RefreshAfterChangeAsync(string volumeGroup)
    {
        TaskCompletionSource queued;
        Task previous;
        lock (_gate)
        {
            if (!_afterChange.TryGetValue(volumeGroup, out var group))
            {
                _afterChange[volumeGroup] = group = new RefreshQueue();
            }

            if (group.Queued is { } waiting)
            {
                return waiting.Task;
            }

            queued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            previous = group.Tail;
            group.Queued = queued;
            group.Tail = queued.Task;
        }

        _ = RunQueuedRefreshAsync(volumeGroup, previous, queued);
        return queued.Task;
    }

    private async Task RunQueuedRefreshAsync(string volumeGroup, Task previous, TaskCompletionSource queued)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_gate)
        {
            if (_afterChange[volumeGroup].Queued == queued)
            {
                _afterChange[volumeGroup].Queued = null; // from here on a new request needs a report of its own
            }
        }

        try
        {
            await RefreshAsync(volumeGroup, CancellationToken.None).ConfigureAwait(false);
            queued.SetResult();
        }
        catch (Exception ex)
        {
            queued.SetException(ex);
        }
    }

    /// <summary>The reports after changes of one VG: the last one asked for, and the one not started yet, if any.</summary>
    private sealed class RefreshQueue
    {
        public Task Tail { get; set; } = Task.CompletedTask;

        public TaskCompletionSource? Queued { get; set; }
    }

    /// <summary>
    /// The space of a VG for a decision (creating or growing a volume): from memory, which is exact
    /// for Stratum's own changes and refreshed periodically for others'; read now (one report) only
    /// when nothing is known of the VG yet. The one meaning of a missing VG:
    /// <see cref="VolumeError.NoSpace"/> (nothing can be carved from it on this node, so a
    /// scheduler tries another).
    /// </summary>
    /// <param name="volumeGroup">The VG.</param>
    /// <param name="whose">What the VG is for, for the message (e.g. "of device class 'fast'").</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async Task<VolumeGroupSpace> SpaceAsync(string volumeGroup, string whose, CancellationToken cancellationToken)
    {
        if (Find(volumeGroup) is { } known)
        {
            return known;
        }

        await RefreshAsync(volumeGroup, cancellationToken).ConfigureAwait(false);
        return Find(volumeGroup)
            ?? throw new VolumeException(VolumeError.NoSpace, $"volume group {volumeGroup} {whose} does not exist on this node");
    }

    /// <summary>How many adjustments were made so far: taken before a report is read, it tells which VGs changed under it.</summary>
    private long AdjustmentsSoFar()
    {
        lock (_gate)
        {
            return _adjustments;
        }
    }

    /// <summary>
    /// Takes the VGs of a report: those named in <paramref name="volumeGroups"/> (every VG when
    /// null). A VG named but absent from the report is gone. A VG adjusted after
    /// <paramref name="startedAt"/> (see <see cref="AdjustmentsSoFar"/>) keeps its space figures:
    /// the report may have been read before that change; its thin LVs are taken all the same.
    /// </summary>
    private void Apply(LvmReport report, IReadOnlyCollection<string>? volumeGroups, long startedAt)
    {
        var byGroup = report.PhysicalVolumes.Where(p => p.VolumeGroup is not null).ToLookup(p => p.VolumeGroup!, StringComparer.Ordinal);
        var thinByGroup = report.LogicalVolumes.Where(lv => lv.IsThinPool || lv.IsThinVolume).ToLookup(lv => lv.VolumeGroup, StringComparer.Ordinal);
        var fresh = report.VolumeGroups.ToDictionary(
            g => g.Name,
            g => new VolumeGroupSpace(g, [.. byGroup[g.Name]]) { ThinLvs = [.. thinByGroup[g.Name]] },
            StringComparer.Ordinal);
        lock (_gate)
        {
            var builder = _snapshot.ToBuilder();
            foreach (var name in volumeGroups ?? [.. fresh.Keys.Union(_snapshot.Keys, StringComparer.Ordinal)])
            {
                var adjustedSince = _adjustedAt.GetValueOrDefault(name) > startedAt;
                var known = _snapshot.GetValueOrDefault(name);
                if (fresh.TryGetValue(name, out var space))
                {
                    builder[name] = adjustedSince && known is not null
                        ? known with { ThinLvs = space.ThinLvs }
                        : space;
                }
                else if (!adjustedSince)
                {
                    builder.Remove(name);
                }
            }

            _snapshot = builder.ToImmutable();
            if (volumeGroups is null)
            {
                RefreshedAt = DateTimeOffset.UtcNow;
            }
        }
    }

    /// <summary>
    /// Adds <paramref name="bytes"/> (negative: takes them) to a VG's free space after a change of
    /// Stratum's whose report was not read (deleting or growing a volume). The PVs' own figures stay
    /// as they were until the next refresh: after a deletion that understates what striped and
    /// raid1 classes can place, never overstates it.
    /// </summary>
    public void Adjust(string volumeGroup, long bytes)
    {
        lock (_gate)
        {
            _adjustedAt[volumeGroup] = ++_adjustments;
            if (_snapshot.GetValueOrDefault(volumeGroup) is not { } space)
            {
                return;
            }

            var group = space.Group;
            var extents = group.ExtentSizeBytes > 0 ? bytes / group.ExtentSizeBytes : 0;
            var adjusted = space with
            {
                Group = group with
                {
                    FreeBytes = Math.Clamp(group.FreeBytes + bytes, 0, group.SizeBytes),
                    FreeExtentCount = Math.Clamp(group.FreeExtentCount + extents, 0, group.ExtentCount),
                },
                PhysicalVolumes = bytes < 0 ? [.. space.PhysicalVolumes.Select(pv => pv with { FreeBytes = Math.Min(pv.FreeBytes, group.FreeBytes + bytes) })] : space.PhysicalVolumes,
            };
            _snapshot = _snapshot.SetItem(volumeGroup, adjusted);
        }
    }

    /// <summary>Drops a removed thin volume from the VG's thin figures (its pool keeps the physical space until discarded).</summary>
    public void ForgetThinVolume(string volumeGroup, string name)
    {
        lock (_gate)
        {
            if (_snapshot.GetValueOrDefault(volumeGroup) is { } space)
            {
                _snapshot = _snapshot.SetItem(volumeGroup, space with { ThinLvs = space.ThinLvs.RemoveAll(lv => lv.Name == name) });
            }
        }
    }

    /// <summary>Starts refreshing every <paramref name="interval"/> until disposed; failures are logged and retried.</summary>
    public void StartPeriodicRefresh(TimeSpan interval)
    {
        _loop ??= Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
                {
                    try
                    {
                        await RefreshAsync(_stop.Token).ConfigureAwait(false);
                        if (AfterPeriodicRefresh is { } after)
                        {
                            await after(_stop.Token).ConfigureAwait(false);
                        }
                    }
                    catch (Exception ex) when (ex is LvmException or IOException or InvalidOperationException)
                    {
                        RefreshFailed(_logger, ex.Message);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
        _refreshGate.Dispose();
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Periodic capacity refresh failed (the last known figures stay in use): {Reason}")]
    private static partial void RefreshFailed(ILogger logger, string reason);
}
