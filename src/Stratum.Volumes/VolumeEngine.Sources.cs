using Stratum.Config;
using Stratum.Lvm;
using Stratum.Volumes.Capacity;
using Stratum.Volumes.Naming;
using Stratum.Volumes.Snapshots;

namespace Stratum.Volumes;

/// <summary>
/// Restore (a volume from a snapshot) and clone (a volume from another volume). A thin source in
/// the pool of a thin class becomes a thin snapshot of it, writable and instant; anything else is a
/// new LV of the class filled by a copy: from the snapshot's LV, or, for a clone, from a point in
/// time of the source (a COW or thin snapshot taken with the source's filesystem frozen, dropped
/// after the copy). The volume is tagged creating until the copy is complete, so an interrupted
/// restore is never served and its retry starts over. A larger size than the source's is given
/// to the LV; the filesystem is grown when the volume is first staged.
/// </summary>
public sealed partial class VolumeEngine
{
    /// <summary>The source of a restore or clone, found on this node and in the class's volume group, with its encryption (null: none).</summary>
    private sealed record ResolvedSource(VolumeSource Source, LogicalVolume Lv, long Bytes, ManagedVolume? Volume, string? Encryption);

    private async Task<ResolvedSource> ResolveSourceAsync(VolumeSource source, DeviceClass deviceClass, CancellationToken cancellationToken)
    {
        var kind = source.Kind == VolumeSourceKind.Snapshot ? "snapshot" : "source volume";
        var elsewhere = $"{kind} {source.Id} does not exist on node {_options.NodeId} (a volume is restored or cloned only on the node that holds its source)";
        if (!VolumeId.TryParse(source.Id, out var id))
        {
            throw new VolumeException(VolumeError.NotFound, elsewhere);
        }

        ResolvedSource resolved;
        if (source.Kind == VolumeSourceKind.Snapshot)
        {
            var snapshot = await Snapshots.FindAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new VolumeException(VolumeError.NotFound, elsewhere);
            if (!snapshot.IsReady)
            {
                throw new VolumeException(VolumeError.Unavailable, $"snapshot {source.Id} is still being copied (not ready to use yet); retry when it is ready");
            }

            resolved = new ResolvedSource(source, snapshot.Lv, snapshot.SizeBytes, null, snapshot.Metadata.Encryption);
        }
        else
        {
            var volume = await _catalog.FindAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new VolumeException(VolumeError.NotFound, elsewhere);
            resolved = new ResolvedSource(source, volume.Lv, volume.CapacityBytes, volume, volume.Metadata.Encryption);
        }

        if (resolved.Lv.VolumeGroup != deviceClass.VolumeGroup)
        {
            throw new VolumeException(VolumeError.InvalidArgument,
                $"{kind} {source.Id} is in volume group {resolved.Lv.VolumeGroup}, but device class '{deviceClass.Name}' carves from {deviceClass.VolumeGroup}: " +
                "a restore or clone stays in its source's volume group; use a StorageClass whose device class uses it");
        }

        return resolved;
    }

    /// <summary>
    /// The new volume's encryption: the source's. The copy holds the source's LUKS header and
    /// ciphertext, so a restore or clone of an encrypted volume is encrypted with the same key
    /// whatever its StorageClass says (staging it needs that key). Plaintext is never taken into
    /// an encrypted class: INVALID_ARGUMENT (it would be refused at every stage).
    /// </summary>
    private static string? EncryptionFor(ResolvedSource source, CreateVolumeSpec spec)
    {
        if (spec.Encryption is { } asked && asked != source.Encryption)
        {
            var kind = source.Source.Kind == VolumeSourceKind.Snapshot ? "snapshot" : "source volume";
            throw new VolumeException(VolumeError.InvalidArgument,
                $"the {kind} {source.Source.Id} is {(source.Encryption is { } e ? $"encrypted ({e})" : "not encrypted")}; a volume restored or cloned from it " +
                $"keeps that, so it cannot be created with encryption '{asked}' (use a StorageClass without the encryption parameter)");
        }

        return source.Encryption;
    }

    /// <summary>The new volume's size: what was asked, at least the source's; OUT_OF_RANGE when the range leaves no room for the source.</summary>
    private static long SizeFor(ResolvedSource source, CreateVolumeSpec spec, long size, VolumeGroupSpace space, DeviceClass deviceClass)
    {
        if (spec.LimitBytes > 0 && spec.LimitBytes < source.Bytes)
        {
            throw new VolumeException(VolumeError.OutOfRange,
                $"the {source.Source.Kind.ToString().ToLowerInvariant()} {source.Source.Id} holds {source.Bytes} bytes, more than the limit of {spec.LimitBytes}; a volume restored or cloned from it cannot be smaller");
        }

        if (spec.RequiredBytes > 0 && spec.RequiredBytes < source.Bytes)
        {
            throw new VolumeException(VolumeError.OutOfRange,
                $"the {source.Source.Kind.ToString().ToLowerInvariant()} {source.Source.Id} holds {source.Bytes} bytes; {spec.RequiredBytes} bytes is too small for it");
        }

        return Math.Max(size, space.RoundUp(source.Bytes, deviceClass.LvCreate));
    }

    /// <summary>A thin volume with the source's content: a thin snapshot when the source is thin in the same pool, else a thin volume filled by a copy.</summary>
    private async Task FillThinAsync(CreateThinVolumeRequest request, ResolvedSource source)
    {
        var none = CancellationToken.None;
        if (source.Lv.IsThinVolume && source.Lv.Pool == request.Pool)
        {
            Task<LogicalVolume> Take() => _lvm.CreateThinSnapshotAsync(
                new CreateThinSnapshotRequest { VolumeGroup = request.VolumeGroup, Origin = source.Lv.Name, Name = request.Name, Tags = request.Tags, Activate = true }, none);
            var lv = source.Volume is { } live
                ? await SnapshotEngine.FrozenAsync(live, Take).ConfigureAwait(false) // a clone of a mounted volume: consistent
                : await Take().ConfigureAwait(false);
            if (request.SizeBytes > lv.SizeBytes)
            {
                await _lvm.ExtendVolumeAsync(request.VolumeGroup, request.Name, request.SizeBytes, none).ConfigureAwait(false);
            }

            return;
        }

        var target = await _lvm.CreateThinVolumeAsync(request, none).ConfigureAwait(false);
        await CopyIntoAsync(source, target).ConfigureAwait(false);
    }

    /// <summary>A thick volume filled with a copy of the source.</summary>
    private async Task FillThickAsync(CreateVolumeRequest request, ResolvedSource source)
    {
        var none = CancellationToken.None;
        await _lvm.CreateVolumeWithoutReadBackAsync(request, none).ConfigureAwait(false);
        var target = await _lvm.GetLogicalVolumeAsync(request.VolumeGroup, request.Name, none).ConfigureAwait(false)
            ?? throw new VolumeException(VolumeError.Internal, $"created {request.VolumeGroup}/{request.Name} but LVM does not report it");
        await CopyIntoAsync(source, target).ConfigureAwait(false);
    }

    /// <summary>Copies the source's content onto <paramref name="target"/>: a snapshot's LV directly, a volume through a point in time of it.</summary>
    private async Task CopyIntoAsync(ResolvedSource source, LogicalVolume target)
    {
        var filesystem = Filesystem ?? throw new InvalidOperationException("the engine has no filesystem operations: a restore or clone by copy needs them");
        var none = CancellationToken.None;
        var into = target.Path ?? $"/dev/{target.VolumeGroup}/{target.Name}";
        if (source.Volume is null)
        {
            var wasActive = source.Lv.IsActive;
            var from = await Snapshots.ActiveAsync(source.Lv).ConfigureAwait(false);
            await filesystem.CopyDeviceAsync(from.Path ?? $"/dev/{from.VolumeGroup}/{from.Name}", into, source.Bytes, none).ConfigureAwait(false);
            if (!wasActive && from.IsThinVolume)
            {
                await _lvm.DeactivateVolumeAsync(from.VolumeGroup, from.Name, none).ConfigureAwait(false); // a thin snapshot is kept inactive
            }

            return;
        }

        var pit = await Snapshots.TakePointInTimeAsync(source.Volume, target.Name).ConfigureAwait(false);
        try
        {
            await filesystem.CopyDeviceAsync(pit.Path ?? $"/dev/{pit.VolumeGroup}/{pit.Name}", into, source.Bytes, none).ConfigureAwait(false);
        }
        finally
        {
            await Snapshots.RemovePointInTimeAsync(pit.VolumeGroup, pit.Name).ConfigureAwait(false);
        }
    }
}
