using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Lvm;
using Stratum.Volumes.Metadata;
using Stratum.Volumes.Naming;

namespace Stratum.Volumes;

/// <summary>
/// Stratum's volumes on this node. Two kinds of lookup:
/// <list type="bullet">
/// <item>From memory (<see cref="Known(VolumeId)"/>, <see cref="FindKnownByName"/>): every LV of
/// Stratum's on the node, in whatever state, as this process last saw it. This process is the
/// only one that changes Stratum's LVs, so after the start-up listing it keeps the index current
/// itself (<see cref="Set"/>, <see cref="Forget"/>), and every report it reads anyway (after a
/// creation, the periodic capacity refresh) brings it up to date with anything done behind its
/// back. Used where a lookup would otherwise cost an LVM command on every call (CreateVolume's
/// idempotency check, DeleteVolume); those callers verify with LVM where it matters.</item>
/// <item>From LVM (<see cref="FindAsync(VolumeId, CancellationToken)"/>, <see cref="ListAsync"/>):
/// fresh state (activation, health) for the node operations, ControllerGetVolume and
/// ListVolumes. Only <see cref="VolumeState.Ready"/> volumes are returned: a volume still being
/// created or already being deleted is never served.</item>
/// </list>
/// Ownership and the exact LV UUID are checked everywhere, so an id never resolves to an LV
/// Stratum does not own or to a newer LV that merely reuses the name. Thread-safe.
/// <para><b>Completion.</b> A volume whose lvcreate has finished is complete even while LVM still
/// tags it creating: CreateVolume hands out its id at once and marks it ready in the background
/// (<see cref="Completing"/>). Every lookup of that volume waits for the marking first. Should the
/// marking never happen (the plugin died first), an id is the proof: ids are handed out only once
/// lvcreate has finished, so <see cref="FindAsync(VolumeId, CancellationToken)"/> marks a volume
/// tagged creating that an id names exactly (UUID included) ready on the spot.</para>
/// </summary>
public sealed partial class VolumeCatalog(ILvm lvm, ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly ConcurrentDictionary<string, Task> _completing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _following = new();
    private readonly HashSet<string> _createdHere = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ManagedVolume> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _changedAt = new(StringComparer.Ordinal);
    private long _version;
    private int _readers;

    /// <summary>Every volume of Stratum's this process knows of, in every state.</summary>
    public IReadOnlyList<ManagedVolume> Known()
    {
        lock (_gate)
        {
            return [.. _known.Values.OrderBy(v => v.Id.ToString(), StringComparer.Ordinal)];
        }
    }

    /// <summary>The known volume at <c>vg/lv</c> (in any state), or null.</summary>
    public ManagedVolume? Known(string volumeGroup, string name)
    {
        lock (_gate)
        {
            return _known.GetValueOrDefault(Key(volumeGroup, name));
        }
    }

    /// <summary>The known volume <paramref name="id"/> names (exact UUID, any state), or null.</summary>
    public ManagedVolume? Known(VolumeId id) =>
        Known(id.VolumeGroup, id.LogicalVolume) is { } volume && volume.Lv.Uuid == id.Uuid ? volume : null;

    /// <summary>The known volumes carrying CSI name <paramref name="csiName"/> (any state, any VG).</summary>
    public IReadOnlyList<ManagedVolume> FindKnownByName(string csiName)
    {
        lock (_gate)
        {
            return [.. _known.Values.Where(v => v.Metadata.CsiName == csiName)];
        }
    }

    /// <summary>Records what this process just made or read of one volume.</summary>
    public void Set(ManagedVolume volume)
    {
        lock (_gate)
        {
            var key = Key(volume.Lv.VolumeGroup, volume.Lv.Name);
            _known[key] = volume;
            Changed(key);
        }
    }

    /// <summary>Records that the LV at <c>vg/lv</c> is gone.</summary>
    public void Forget(string volumeGroup, string name)
    {
        lock (_gate)
        {
            var key = Key(volumeGroup, name);
            _known.Remove(key);
            Changed(key);
        }
    }

    /// <summary>
    /// Reads a report with <paramref name="read"/> and replaces what is known of the VGs it covers
    /// (<paramref name="volumeGroups"/>; every VG when null) with its LVs of Stratum's. An entry
    /// this process changed while the report was being read is newer than the report and kept.
    /// </summary>
    public async Task<LvmReport> RefreshAsync(Func<Task<LvmReport>> read, IReadOnlyCollection<string>? volumeGroups)
    {
        ArgumentNullException.ThrowIfNull(read);
        long mark;
        lock (_gate)
        {
            mark = _version;
            _readers++;
        }

        try
        {
            var report = await read().ConfigureAwait(false);
            Apply(report, mark, volumeGroups);
            return report;
        }
        finally
        {
            lock (_gate)
            {
                // With no report in flight, every recorded change is older than any report to come.
                if (--_readers == 0)
                {
                    _changedAt.Clear();
                }
            }
        }
    }

    private void Apply(LvmReport report, long mark, IReadOnlyCollection<string>? volumeGroups)
    {
        var covered = volumeGroups is null ? null : new HashSet<string>(volumeGroups, StringComparer.Ordinal);
        var reported = report.LogicalVolumes
            .Select(ManagedVolume.From)
            .OfType<ManagedVolume>()
            .ToDictionary(v => Key(v.Lv.VolumeGroup, v.Lv.Name), StringComparer.Ordinal);
        lock (_gate)
        {
            bool Fresh(string key) => !_changedAt.TryGetValue(key, out var at) || at <= mark;
            foreach (var key in _known.Keys.Where(k => (covered is null || covered.Contains(VolumeGroupOf(k))) && !reported.ContainsKey(k) && Fresh(k)).ToList())
            {
                _known.Remove(key);
            }

            foreach (var (key, volume) in reported.Where(r => Fresh(r.Key)))
            {
                _known[key] = volume;
            }
        }
    }

    /// <summary>
    /// The ready volume <paramref name="id"/> names, read from LVM now; null when that exact LV is
    /// gone, not Stratum's, or not ready. One still tagged creating is marked ready first: its id
    /// was handed out, so its lvcreate finished (see the class remarks).
    /// </summary>
    public async Task<ManagedVolume?> FindAsync(VolumeId id, CancellationToken cancellationToken)
    {
        var volume = await FindAnyAsync(id, cancellationToken).ConfigureAwait(false);
        if (volume is not null && IsMerelyUnmarked(volume))
        {
            volume = await MarkReadyAsync(volume).ConfigureAwait(false)
                ? await FindAnyAsync(id, CancellationToken.None).ConfigureAwait(false)
                : null;
            if (volume is { IsReady: true })
            {
                CatalogLog.CompletedById(_logger, id.ToString());
            }
        }

        return volume is { IsReady: true } ? volume : null;
    }

    /// <summary>Tagged creating and nothing else amiss: not also ready or deleting, no unknown state.</summary>
    private static bool IsMerelyUnmarked(ManagedVolume volume) =>
        volume.State == VolumeState.Creating
        && volume.Lv.Tags.Count(t => t.StartsWith(VolumeMetadata.StateTagPrefix, StringComparison.Ordinal)) == 1
        && volume.Lv.Tags.Contains(VolumeMetadata.CreatingTag);

    /// <summary>
    /// Swaps <see cref="VolumeMetadata.CreatingTag"/> for <see cref="VolumeMetadata.ReadyTag"/> on
    /// the volume's LV, pinned by UUID and only while it still carries Stratum's owner tag and the
    /// creating tag (one command, a change that runs to its end). False when the LV no longer
    /// matches (removed, or being deleted).
    /// </summary>
    public Task<bool> MarkReadyAsync(ManagedVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var lv = volume.Lv;
        return lvm.ChangeTagsIfAsync(
            lv.VolumeGroup, lv.Name,
            new LvCondition { Uuid = lv.Uuid, Tags = [VolumeMetadata.OwnerTag, VolumeMetadata.NameTag(volume.Metadata.CsiName), VolumeMetadata.CreatingTag] },
            [VolumeMetadata.ReadyTag], [VolumeMetadata.CreatingTag], CancellationToken.None);
    }

    /// <summary>
    /// Records that <paramref name="volume"/>'s lvcreate finished (so it is complete, whatever its
    /// tags say), that <paramref name="marking"/> is marking it ready (lookups of the volume wait
    /// for it) and that <paramref name="followUp"/> (the report after it) runs on behind that;
    /// <see cref="WhenAllCompletedAsync"/> waits for both. Neither may fail.
    /// </summary>
    public void Completing(ManagedVolume volume, Task marking, Task followUp)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(marking);
        ArgumentNullException.ThrowIfNull(followUp);
        var key = Key(volume.Lv.VolumeGroup, volume.Lv.Name);
        lock (_gate)
        {
            _createdHere.Add(volume.Lv.Uuid);
        }

        _completing[key] = marking;
        _ = marking.ContinueWith(
            done => _completing.TryRemove(new KeyValuePair<string, Task>(key, done)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _following[followUp] = 0;
        _ = followUp.ContinueWith(
            done => _following.TryRemove(done, out _),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Whether this process saw the lvcreate of the LV with this UUID finish (the LV is complete even if still tagged creating).</summary>
    public bool WasCreatedHere(string uuid)
    {
        lock (_gate)
        {
            return _createdHere.Contains(uuid);
        }
    }

    /// <summary>Waits until the background marking of the volume at <c>vg/lv</c>, if any, is done.</summary>
    public Task WhenCompletedAsync(string volumeGroup, string name) =>
        _completing.TryGetValue(Key(volumeGroup, name), out var completion) ? completion : Task.CompletedTask;

    /// <summary>Waits until every background marking started so far, and the report after it, is done.</summary>
    public Task WhenAllCompletedAsync() => Task.WhenAll([.. _completing.Values, .. _following.Keys]);

    /// <summary>Resolves a CSI volume id string to a ready volume; null when it is malformed or resolves to nothing.</summary>
    public async Task<ManagedVolume?> FindAsync(string volumeId, CancellationToken cancellationToken) =>
        VolumeId.TryParse(volumeId, out var id) ? await FindAsync(id, cancellationToken).ConfigureAwait(false) : null;

    /// <summary>The volume <paramref name="id"/> names in whatever state, read from LVM now (and remembered), or null.</summary>
    public async Task<ManagedVolume?> FindAnyAsync(VolumeId id, CancellationToken cancellationToken)
    {
        await WhenCompletedAsync(id.VolumeGroup, id.LogicalVolume).WaitAsync(cancellationToken).ConfigureAwait(false);
        var lv = await lvm.GetLogicalVolumeAsync(id.VolumeGroup, id.LogicalVolume, cancellationToken).ConfigureAwait(false);
        var volume = lv is not null && lv.Uuid == id.Uuid ? ManagedVolume.From(lv) : null;
        if (volume is not null)
        {
            Set(volume);
        }

        return volume;
    }

    /// <summary>The LV at <c>vg/lv</c> whatever it is (ours or not), or null.</summary>
    public Task<LogicalVolume?> GetLogicalVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
        lvm.GetLogicalVolumeAsync(volumeGroup, name, cancellationToken);

    /// <summary>Every ready volume Stratum owns on this node, in every VG, read from LVM now, ordered by volume id.</summary>
    public async Task<IReadOnlyList<ManagedVolume>> ListAsync(CancellationToken cancellationToken)
    {
        await WhenAllCompletedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var lvs = await lvm.FindLogicalVolumesByTagAsync(VolumeMetadata.OwnerTag, cancellationToken).ConfigureAwait(false);
        return lvs.Select(ManagedVolume.From)
            .OfType<ManagedVolume>()
            .Where(v => v.IsReady)
            .OrderBy(v => v.Id.ToString(), StringComparer.Ordinal)
            .ToList();
    }

    private static partial class CatalogLog
    {
        [LoggerMessage(EventId = 3040, Level = LogLevel.Warning, Message = "Volume {VolumeId} was still tagged creating although its id had been handed out (the plugin stopped before it marked it ready); marked it ready now")]
        public static partial void CompletedById(ILogger logger, string volumeId);
    }

    private void Changed(string key)
    {
        _version++;
        if (_readers > 0)
        {
            _changedAt[key] = _version;
        }
    }

    private static string Key(string volumeGroup, string name) => $"{volumeGroup}/{name}";

    private static string VolumeGroupOf(string key) => key[..key.IndexOf('/', StringComparison.Ordinal)];
}
