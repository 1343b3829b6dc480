using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Stratum.Lvm;
using Stratum.Platform.Exec;
using Stratum.Volumes.Filesystems;
using Stratum.Volumes.Metadata;
using Stratum.Volumes.Naming;

namespace Stratum.Volumes.Snapshots;

/// <summary>
/// Snapshots of the node's volumes, kept in LVs tagged <c>stratum/kind=snapshot</c> (no database).
/// <list type="bullet">
/// <item><b>Thin volume</b> → a thin snapshot in the same pool: one lvcreate, ready at once.</item>
/// <item><b>Thick volume</b> → an independent thick LV holding a full copy: the LV is created
/// (tagged creating), a short-lived point in time is taken (a COW snapshot of the source, the
/// source's filesystem frozen around it), the copy runs in the background, the COW snapshot is
/// dropped and the LV tagged ready. The snapshot stays valid when its source is deleted, and the
/// source carries no copy-on-write cost once the copy is done. Until then
/// <see cref="ManagedSnapshot.IsReady"/> is false. A copy interrupted by a crash is restarted at
/// start-up while its point in time exists, a complete one (tagged copied) is finished, else the
/// unfinished snapshot is removed.</item>
/// </list>
/// A mounted source's filesystem is frozen around the moment the point in time is taken (by
/// LVM's own suspend with lockfs, see <see cref="FrozenAsync{T}"/>), so the snapshot is consistent.
/// </summary>
public sealed partial class SnapshotEngine
{
    private readonly ILvm _lvm;
    private readonly VolumeEngine _volumes;
    private readonly string _nodeId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Copy> _copies = new(StringComparer.Ordinal);

    /// <summary>A running copy of a thick snapshot: its task, the volume it reads from, and how to stop it.</summary>
    private sealed record Copy(Task Done, string SourceVolumeId, CancellationTokenSource Stop);

    internal SnapshotEngine(ILvm lvm, VolumeEngine volumes, string nodeId, TimeProvider time, ILogger logger)
    {
        _lvm = lvm;
        _volumes = volumes;
        _nodeId = nodeId;
        _time = time;
        _logger = logger;
    }

    private IFilesystemOps Filesystem => _volumes.Filesystem
        ?? throw new InvalidOperationException("the engine has no filesystem operations: thick snapshots, restores and clones need them");

    /// <summary>
    /// Takes a snapshot of <paramref name="sourceVolumeId"/> called <paramref name="name"/>, or returns
    /// the one of that name when it has the same source (ALREADY_EXISTS for another source).
    /// </summary>
    public Task<ManagedSnapshot> CreateAsync(string name, string sourceVolumeId, CancellationToken cancellationToken) => VolumeErrors.Run(async () =>
    {
        var lvName = LogicalVolumeNaming.ForSnapshotName(name);
        using var held = _volumes.Locks.Acquire(lvName, "CreateSnapshot");
        if (await FindByNameAsync(name, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            if (existing.Metadata.SourceVolumeId != sourceVolumeId)
            {
                throw new VolumeException(VolumeError.AlreadyExists,
                    $"snapshot '{name}' already exists with source volume {existing.Metadata.SourceVolumeId}, not {sourceVolumeId}");
            }

            if (existing.Metadata.State != VolumeState.Deleting)
            {
                if (!existing.IsReady)
                {
                    EnsureCopying(existing);
                }

                return existing;
            }

            await RemoveAsync(existing).ConfigureAwait(false); // a deletion was interrupted: finish it, then take the snapshot anew
        }

        var source = (VolumeId.TryParse(sourceVolumeId, out var sourceId) ? await _volumes.Catalog.FindAsync(sourceId, cancellationToken).ConfigureAwait(false) : null)
            ?? throw new VolumeException(VolumeError.NotFound, $"source volume {sourceVolumeId} does not exist on node {_nodeId}");
        using var sourceHeld = _volumes.Locks.Acquire(source.Lv.Name, "CreateSnapshot");
        var metadata = new SnapshotMetadata
        {
            CsiName = name,
            SourceVolumeId = sourceVolumeId,
            SourceBytes = source.CapacityBytes,
            CreatedAt = _time.GetUtcNow(),
            DeviceClass = source.Metadata.DeviceClass,
            Node = _nodeId,
            Encryption = source.Metadata.Encryption,
            State = source.Lv.IsThinVolume ? VolumeState.Ready : VolumeState.Creating,
        };
        var vg = source.Lv.VolumeGroup;
        var none = CancellationToken.None;
        if (source.Lv.IsThinVolume)
        {
            // One lvcreate: LVM commits the LV and its tags together, so it is complete or absent.
            var thin = await FrozenAsync(source, () => _lvm.CreateThinSnapshotAsync(
                new CreateThinSnapshotRequest { VolumeGroup = vg, Origin = source.Lv.Name, Name = lvName, Tags = metadata.ToTags() }, none)).ConfigureAwait(false);
            await _volumes.Capacity.RefreshAsync(vg, none).ConfigureAwait(false);
            var taken = ManagedSnapshot.From(thin) ?? throw new VolumeException(VolumeError.Internal, $"created {thin.FullName} but its tags did not read back as a snapshot");
            Log.Created(_logger, name, taken.Id.ToString(), sourceVolumeId, "thin");
            return taken;
        }

        // Thick: the copy and, while it runs, the COW snapshot of the source need the source's size twice.
        var space = await _volumes.Capacity.SpaceAsync(vg, $"of volume {sourceVolumeId}", cancellationToken).ConfigureAwait(false);
        var spare = _volumes.Classes.TryGet(source.Metadata.DeviceClass, out var deviceClass) ? deviceClass.SpareBytes : 0;
        var needed = 2 * source.CapacityBytes;
        if (needed > space.FreeBytes - spare)
        {
            throw new VolumeException(VolumeError.NoSpace,
                $"a snapshot of thick volume {sourceVolumeId} needs {needed} bytes of volume group {vg} (its copy, and a copy-on-write area while it is taken), " +
                $"which has {space.FreeBytes} free of which {spare} are kept spare");
        }

        // From here on LVM changes: every step runs to its end whatever the caller does.
        await _lvm.CreateVolumeWithoutReadBackAsync(
            new CreateVolumeRequest { VolumeGroup = vg, Name = lvName, SizeBytes = source.CapacityBytes, Tags = metadata.ToTags() }, none).ConfigureAwait(false);
        await TakePointInTimeAsync(source, lvName).ConfigureAwait(false);
        var report = await _volumes.Capacity.RefreshAsync(vg, none).ConfigureAwait(false);
        var snapshot = report.LogicalVolumes.Where(lv => lv.Name == lvName).Select(ManagedSnapshot.From).FirstOrDefault()
            ?? ManagedSnapshot.From(await _lvm.GetLogicalVolumeAsync(vg, lvName, none).ConfigureAwait(false)
                ?? throw new VolumeException(VolumeError.Internal, $"created {vg}/{lvName} but LVM does not report it"))
            ?? throw new VolumeException(VolumeError.Internal, $"created {vg}/{lvName} but its tags did not read back as a snapshot");
        Log.Created(_logger, name, snapshot.Id.ToString(), sourceVolumeId, "thick (copying)");
        EnsureCopying(snapshot);
        return snapshot;
    });

    /// <summary>Deletes the snapshot; succeeds when it is already gone. Never removes an LV that is not a snapshot of Stratum's.</summary>
    public Task DeleteAsync(string snapshotId, CancellationToken cancellationToken) => VolumeErrors.Run(async () =>
    {
        if (!VolumeId.TryParse(snapshotId, out var id))
        {
            return; // no snapshot could ever have had this id
        }

        using var held = _volumes.Locks.Acquire(id.LogicalVolume, "DeleteSnapshot");
        var lv = await _lvm.GetLogicalVolumeAsync(id.VolumeGroup, id.LogicalVolume, cancellationToken).ConfigureAwait(false);
        if (lv is null || lv.Uuid != id.Uuid)
        {
            Log.AlreadyGone(_logger, snapshotId);
            return;
        }

        var snapshot = ManagedSnapshot.From(lv)
            ?? throw new VolumeException(VolumeError.FailedPrecondition, $"{lv.FullName} has the snapshot's UUID but is not a snapshot of Stratum's; it was left as it is");
        if (_copies.TryGetValue(lv.FullName, out var copy))
        {
            // The copy's target is about to go, so the copy stops here (dd is killed) rather than
            // running on; its point in time goes with the snapshot below. A caller that gives up
            // while the copy winds down leaves the snapshot to its retry.
            Log.CopyStopped(_logger, snapshotId);
            await copy.Stop.CancelAsync().ConfigureAwait(false);
            await copy.Done.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        await RemoveAsync(snapshot).ConfigureAwait(false);
        Log.Deleted(_logger, snapshotId);
    });

    /// <summary>The snapshot with this id in any state but being deleted, read from LVM, or null.</summary>
    public async Task<ManagedSnapshot?> FindAsync(VolumeId id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var lv = await _lvm.GetLogicalVolumeAsync(id.VolumeGroup, id.LogicalVolume, cancellationToken).ConfigureAwait(false);
        return lv is not null && lv.Uuid == id.Uuid && ManagedSnapshot.From(lv) is { } snapshot && snapshot.Metadata.State != VolumeState.Deleting ? snapshot : null;
    }

    /// <summary>Every snapshot on this node (ready, or still being copied), ordered by id.</summary>
    public Task<IReadOnlyList<ManagedSnapshot>> ListAsync(CancellationToken cancellationToken) => VolumeErrors.Run(async () =>
    {
        var lvs = await _lvm.FindLogicalVolumesByTagAsync(SnapshotMetadata.KindTag, cancellationToken).ConfigureAwait(false);
        return (IReadOnlyList<ManagedSnapshot>)[.. lvs.Select(ManagedSnapshot.From).OfType<ManagedSnapshot>()
            .Where(s => s.Metadata.State != VolumeState.Deleting)
            .OrderBy(s => s.Id.ToString(), StringComparer.Ordinal)];
    });

    /// <summary>
    /// After a restart: restarts the copies of thick snapshots whose point in time still exists,
    /// finishes the ones whose copy was complete, removes unfinished snapshots that lost their point
    /// in time before their copy was complete, finishes interrupted deletions, and removes
    /// points in time nothing needs any more (of a finished snapshot, or of a restore or clone that
    /// was interrupted: its volume is never served and its retry starts over).
    /// </summary>
    public async Task ResumeAsync(IReadOnlyList<LogicalVolume> owned)
    {
        ArgumentNullException.ThrowIfNull(owned);
        var snapshots = owned.Select(ManagedSnapshot.From).OfType<ManagedSnapshot>().ToList();
        var pointsInTime = owned.Where(lv => lv.Tags.Contains(SnapshotMetadata.PointInTimeTag)).ToList();
        foreach (var snapshot in snapshots.Where(s => !s.IsReady))
        {
            try
            {
                var hasPointInTime = pointsInTime.Any(p => p.VolumeGroup == snapshot.Lv.VolumeGroup && p.Name == LogicalVolumeNaming.PointInTimeFor(snapshot.Lv.Name));
                if (snapshot.Metadata.State == VolumeState.Creating && (hasPointInTime || IsCopied(snapshot)))
                {
                    Log.CopyResumed(_logger, snapshot.Id.ToString());
                    EnsureCopying(snapshot);
                }
                else
                {
                    Log.UnfinishedRemoved(_logger, snapshot.Id.ToString(), snapshot.Metadata.State.ToString());
                    await RemoveAsync(snapshot).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is LvmException or CommandException or VolumeException)
            {
                Log.ResumeFailed(_logger, snapshot.Id.ToString(), e.Message);
            }
        }

        foreach (var pit in pointsInTime)
        {
            var owner = snapshots.FirstOrDefault(s => s.Lv.VolumeGroup == pit.VolumeGroup && LogicalVolumeNaming.PointInTimeFor(s.Lv.Name) == pit.Name);
            if (owner is { Metadata.State: VolumeState.Creating })
            {
                continue; // its copy was restarted above
            }

            await RemovePointInTimeAsync(pit.VolumeGroup, pit.Name).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes a point in time of <paramref name="source"/> for a copy into <paramref name="forLv"/>
    /// (the source's filesystem frozen around it by LVM): a COW snapshot as large as the source (it can
    /// never overflow) for a thick source, an active thin snapshot for a thin one. Returns its LV.
    /// </summary>
    internal async Task<LogicalVolume> TakePointInTimeAsync(ManagedVolume source, string forLv)
    {
        var none = CancellationToken.None;
        var vg = source.Lv.VolumeGroup;
        var name = LogicalVolumeNaming.PointInTimeFor(forLv);
        if (await _lvm.GetLogicalVolumeAsync(vg, name, none).ConfigureAwait(false) is { } stale && stale.Tags.Contains(SnapshotMetadata.PointInTimeTag))
        {
            await RemovePointInTimeAsync(vg, name).ConfigureAwait(false); // of an interrupted attempt: not this moment
        }

        string[] tags = [VolumeMetadata.OwnerTag, SnapshotMetadata.PointInTimeTag];
        return await FrozenAsync(source, () => source.Lv.IsThinVolume
            ? _lvm.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = vg, Origin = source.Lv.Name, Name = name, Tags = tags, Activate = true }, none)
            : _lvm.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = vg, Origin = source.Lv.Name, Name = name, SizeBytes = source.CapacityBytes, Tags = tags }, none)).ConfigureAwait(false);
    }

    /// <summary>Removes a point in time (best effort: a leftover is removed at the next start).</summary>
    internal async Task RemovePointInTimeAsync(string volumeGroup, string name)
    {
        try
        {
            await _lvm.RemoveVolumeIfAsync(volumeGroup, name, new LvCondition { Tags = [VolumeMetadata.OwnerTag, SnapshotMetadata.PointInTimeTag] }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (LvmNotFoundException)
        {
        }
        catch (Exception e) when (e is LvmException or CommandException)
        {
            Log.PointInTimeKept(_logger, $"{volumeGroup}/{name}", e.Message);
        }
    }

    /// <summary>
    /// Takes the point in time. A mounted filesystem is consistent in it without an fsfreeze of
    /// Stratum's: LVM suspends the origin with lockfs while it creates a snapshot, which freezes the
    /// filesystem (flushes it, holds writes) exactly as fsfreeze does. An fsfreeze beforehand makes
    /// that suspend fail with EBUSY (measured on real LVM), so none is done.
    /// </summary>
    internal static Task<T> FrozenAsync<T>(ManagedVolume source, Func<Task<T>> take)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(take);
        return take();
    }

    private async Task<ManagedSnapshot?> FindByNameAsync(string name, CancellationToken cancellationToken)
    {
        var matches = (await _lvm.FindLogicalVolumesByTagAsync(SnapshotMetadata.NameTag(name), cancellationToken).ConfigureAwait(false))
            .Select(ManagedSnapshot.From)
            .OfType<ManagedSnapshot>()
            .Where(s => s.Metadata.CsiName == name)
            .ToList();
        return matches.Count switch
        {
            0 => null,
            1 => matches[0],
            _ => throw new VolumeException(VolumeError.Internal, $"snapshot '{name}' exists {matches.Count} times ({string.Join(", ", matches.Select(m => m.Lv.FullName))}); resolve by hand"),
        };
    }

    /// <summary>Starts the copy of an unfinished thick snapshot unless it is already running.</summary>
    private void EnsureCopying(ManagedSnapshot snapshot)
    {
        var key = snapshot.Lv.FullName;
        lock (_copies)
        {
            if (_copies.ContainsKey(key))
            {
                return;
            }

            var stop = new CancellationTokenSource();
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var done = Task.Run(async () =>
            {
                await started.Task.ConfigureAwait(false);
                try
                {
                    await CopyAsync(snapshot, stop.Token).ConfigureAwait(false);
                }
                finally
                {
                    _copies.TryRemove(key, out _);
                    stop.Dispose();
                }
            });
            _copies[key] = new Copy(done, snapshot.Metadata.SourceVolumeId, stop);
            started.SetResult();
        }
    }

    /// <summary>The running copy of a snapshot, if any (tests wait for it).</summary>
    public Task WhenCopiedAsync(string snapshotId) =>
        VolumeId.TryParse(snapshotId, out var id) && _copies.TryGetValue($"{id.VolumeGroup}/{id.LogicalVolume}", out var copy) ? copy.Done : Task.CompletedTask;

    /// <summary>
    /// Completes when no snapshot is being copied from <paramref name="volumeId"/> any more: its
    /// point in time hangs on the volume until then, and the snapshot must outlive the volume.
    /// </summary>
    internal Task WhenCopiesFromAsync(VolumeId volumeId) =>
        Task.WhenAll(_copies.Values.Where(c => VolumeId.TryParse(c.SourceVolumeId, out var source) && source == volumeId).Select(c => c.Done));

    private async Task CopyAsync(ManagedSnapshot snapshot, CancellationToken stop)
    {
        var none = CancellationToken.None;
        var lv = snapshot.Lv;
        var pitName = LogicalVolumeNaming.PointInTimeFor(lv.Name);
        try
        {
            if (!IsCopied(snapshot))
            {
                var pit = await _lvm.GetLogicalVolumeAsync(lv.VolumeGroup, pitName, none).ConfigureAwait(false);
                if (pit is null)
                {
                    Log.UnfinishedRemoved(_logger, snapshot.Id.ToString(), "its point in time is gone");
                    await RemoveAsync(snapshot).ConfigureAwait(false);
                    return;
                }

                var target = await ActiveAsync(lv).ConfigureAwait(false);
                var from = await ActiveAsync(pit).ConfigureAwait(false);
                await Filesystem.CopyDeviceAsync(from.Path ?? $"/dev/{pit.VolumeGroup}/{pit.Name}", target.Path ?? snapshot.DevicePath, snapshot.SizeBytes, stop).ConfigureAwait(false);

                // The copy is complete: recorded before its point in time goes, so a crash from
                // here on leaves a snapshot the next start (or a retry) finishes with the same id,
                // rather than one that looks as if it lost its point in time mid-copy.
                var copied = await _lvm.ChangeTagsIfAsync(
                    lv.VolumeGroup, lv.Name, new LvCondition { Uuid = lv.Uuid, Tags = [VolumeMetadata.OwnerTag, SnapshotMetadata.KindTag, VolumeMetadata.CreatingTag] },
                    [SnapshotMetadata.CopiedTag], [], none).ConfigureAwait(false);
                if (!copied)
                {
                    return; // deleted meanwhile (tagged deleting): its deletion removes it with its point in time
                }
            }

            // The point in time goes before the snapshot is tagged ready, so "ready to use" means
            // the snapshot is done: nothing of it changes the VG afterwards, and a DeleteSnapshot
            // right after is not refused as busy.
            await RemovePointInTimeAsync(lv.VolumeGroup, pitName).ConfigureAwait(false);
            await _volumes.Capacity.RefreshAsync(lv.VolumeGroup, none).ConfigureAwait(false);
            var completed = await _lvm.ChangeTagsIfAsync(
                lv.VolumeGroup, lv.Name, new LvCondition { Uuid = lv.Uuid, Tags = [VolumeMetadata.OwnerTag, SnapshotMetadata.KindTag, VolumeMetadata.CreatingTag] },
                [VolumeMetadata.ReadyTag], [VolumeMetadata.CreatingTag, SnapshotMetadata.CopiedTag], none).ConfigureAwait(false);
            if (completed)
            {
                Log.Copied(_logger, snapshot.Id.ToString(), snapshot.SizeBytes);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // DeleteSnapshot stopped the copy and removes the snapshot with its point in time.
        }
        catch (Exception e) when (e is LvmException or CommandException or FilesystemCommandException or IOException or VolumeException)
        {
            // The snapshot stays unfinished (never ready); a CreateSnapshot retry or the next start restarts the copy.
            Log.CopyFailed(_logger, snapshot.Id.ToString(), e.Message);
        }
    }

    /// <summary>Whether the snapshot's copy is complete (tagged copied; only its point in time's removal and the ready tag are left).</summary>
    private static bool IsCopied(ManagedSnapshot snapshot) => snapshot.Lv.Tags.Contains(SnapshotMetadata.CopiedTag);

    /// <summary>The LV, activated when it is not (a thin snapshot is kept inactive; a restart leaves LVs of non-volumes inactive).</summary>
    internal async Task<LogicalVolume> ActiveAsync(LogicalVolume lv)
    {
        if (lv.IsActive)
        {
            return lv;
        }

        await _lvm.ActivateVolumeAsync(lv.VolumeGroup, lv.Name, CancellationToken.None).ConfigureAwait(false);
        return await _lvm.GetLogicalVolumeAsync(lv.VolumeGroup, lv.Name, CancellationToken.None).ConfigureAwait(false) ?? lv;
    }

    /// <summary>Tags the snapshot deleting, drops its point in time, removes it (pinned by UUID).</summary>
    private async Task RemoveAsync(ManagedSnapshot snapshot)
    {
        var none = CancellationToken.None;
        var lv = snapshot.Lv;
        try
        {
            if (snapshot.Metadata.State != VolumeState.Deleting)
            {
                await _lvm.ChangeTagsIfAsync(lv.VolumeGroup, lv.Name, new LvCondition { Uuid = lv.Uuid, Tags = [VolumeMetadata.OwnerTag, SnapshotMetadata.KindTag] },
                    [VolumeMetadata.DeletingTag], [VolumeMetadata.ReadyTag, VolumeMetadata.CreatingTag], none).ConfigureAwait(false);
            }

            await RemovePointInTimeAsync(lv.VolumeGroup, LogicalVolumeNaming.PointInTimeFor(lv.Name)).ConfigureAwait(false);
            if (!await _lvm.RemoveVolumeIfAsync(lv.VolumeGroup, lv.Name, new LvCondition { Uuid = lv.Uuid, WithoutDependents = true, NotOpen = true }, none).ConfigureAwait(false)
                && await _lvm.GetLogicalVolumeAsync(lv.VolumeGroup, lv.Name, none).ConfigureAwait(false) is { } still && still.Uuid == lv.Uuid)
            {
                throw new VolumeException(VolumeError.FailedPrecondition, $"snapshot {snapshot.Id} is in use (open, or other LVs depend on it); it is marked for deletion and a retry removes it");
            }
        }
        catch (LvmNotFoundException)
        {
            return;
        }

        if (lv.IsThinVolume)
        {
            _volumes.Capacity.ForgetThinVolume(lv.VolumeGroup, lv.Name);
        }
        else
        {
            _volumes.Capacity.Adjust(lv.VolumeGroup, lv.SizeBytes);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3250, Level = LogLevel.Information, Message = "Created snapshot {Name} as {SnapshotId} of volume {Source} ({Kind})")]
        public static partial void Created(ILogger logger, string name, string snapshotId, string source, string kind);

        [LoggerMessage(EventId = 3251, Level = LogLevel.Information, Message = "Deleted snapshot {SnapshotId}")]
        public static partial void Deleted(ILogger logger, string snapshotId);

        [LoggerMessage(EventId = 3252, Level = LogLevel.Information, Message = "Snapshot {SnapshotId} is already gone; nothing to delete")]
        public static partial void AlreadyGone(ILogger logger, string snapshotId);

        [LoggerMessage(EventId = 3253, Level = LogLevel.Information, Message = "Snapshot {SnapshotId} is complete: {Bytes} bytes copied; it is ready to use and its copy-on-write area is dropped")]
        public static partial void Copied(ILogger logger, string snapshotId, long bytes);

        [LoggerMessage(EventId = 3259, Level = LogLevel.Information, Message = "Snapshot {SnapshotId} is deleted while its copy runs: the copy is stopped")]
        public static partial void CopyStopped(ILogger logger, string snapshotId);

        [LoggerMessage(EventId = 3254, Level = LogLevel.Error, Message = "Copying snapshot {SnapshotId} failed; it stays not ready, and a CreateSnapshot retry or the next start restarts the copy: {Reason}")]
        public static partial void CopyFailed(ILogger logger, string snapshotId, string reason);

        [LoggerMessage(EventId = 3255, Level = LogLevel.Warning, Message = "Restarting the copy of snapshot {SnapshotId}, interrupted by a restart")]
        public static partial void CopyResumed(ILogger logger, string snapshotId);

        [LoggerMessage(EventId = 3256, Level = LogLevel.Warning, Message = "Removing unfinished snapshot {SnapshotId} ({Reason}); a CreateSnapshot retry takes it anew")]
        public static partial void UnfinishedRemoved(ILogger logger, string snapshotId, string reason);

        [LoggerMessage(EventId = 3257, Level = LogLevel.Error, Message = "Could not finish or clean up snapshot {SnapshotId} at start-up (retried at the next start): {Reason}")]
        public static partial void ResumeFailed(ILogger logger, string snapshotId, string reason);

        [LoggerMessage(EventId = 3258, Level = LogLevel.Warning, Message = "Could not remove the point-in-time LV {Lv}; it is removed at the next start: {Reason}")]
        public static partial void PointInTimeKept(ILogger logger, string lv, string reason);
    }
}
