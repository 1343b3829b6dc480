using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Lvm;

namespace Stratum.Volumes.Capacity;

/// <summary>
/// Free space of the managed VGs, kept in memory so GetCapacity never runs an LVM command.
/// Refreshed after every change Stratum makes, and periodically for changes made by others;
/// a refresh replaces an immutable snapshot, so readers never see a half-updated view.
/// </summary>
public sealed partial class CapacityCache : IAsyncDisposable
{
    private readonly ILvm _lvm;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private ImmutableDictionary<string, VolumeGroupSpace> _snapshot = ImmutableDictionary<string, VolumeGroupSpace>.Empty;
    private Task? _loop;

    public CapacityCache(ILvm lvm, ILogger<CapacityCache> logger)
    {
        _lvm = lvm;
        _logger = logger;
    }

    /// <summary>When the snapshot was last refreshed (UTC), or null before the first refresh.</summary>
    public DateTimeOffset? RefreshedAt { get; private set; }

    /// <summary>The space of a VG as last seen, or null when it was not present.</summary>
    public VolumeGroupSpace? Find(string volumeGroup) => _snapshot.GetValueOrDefault(volumeGroup);

    /// <summary>What <paramref name="deviceClass"/> can still give, from the snapshot.</summary>
    public ClassCapacity CapacityFor(DeviceClass deviceClass) =>
        Find(deviceClass.VolumeGroup)?.CapacityFor(deviceClass) ?? ClassCapacity.None;

    /// <summary>Re-reads every VG and PV (two LVM commands) and swaps the snapshot in.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var groups = await _lvm.ListVolumeGroupsAsync(cancellationToken).ConfigureAwait(false);
            var pvs = await _lvm.ListPhysicalVolumesAsync(null, cancellationToken).ConfigureAwait(false);
            var byGroup = pvs.Where(p => p.VolumeGroup is not null).ToLookup(p => p.VolumeGroup!, StringComparer.Ordinal);
            _snapshot = groups.ToImmutableDictionary(
                g => g.Name,
                g => new VolumeGroupSpace(g, [.. byGroup[g.Name]]),
                StringComparer.Ordinal);
            RefreshedAt = DateTimeOffset.UtcNow;
        }
        finally
        {
            _refreshGate.Release();
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
