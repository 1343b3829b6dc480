using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Volumes.Capacity;
using Stratum.Volumes.Encryption;
using Stratum.Volumes.IoLimits;
using Stratum.Volumes.Filesystems;
using Stratum.Volumes.Locking;
using Stratum.Volumes.Metadata;
using Stratum.Volumes.Naming;
using Stratum.Volumes.Thin;
using Stratum.Platform;

namespace Stratum.Volumes;

/// <summary>
/// The node side of the engine: makes a volume usable on this node (stage: format a blank device
/// and mount it; publish: bind it into the pod's path), undoes that, grows volumes online and
/// reports usage. Every operation is idempotent: asking again for a state that already holds
/// succeeds; asking for a state that conflicts with what is there fails without touching it.
/// Data is never destroyed: a device that carries anything but the expected filesystem is
/// refused, never formatted. Only ready volumes are served (not one still being created or
/// already being deleted). Once an operation starts changing the host (mkfs, mount, lvextend,
/// a grow, a device-mapper device) every further step runs to its end whatever the caller does.
/// The host is reached only through <see cref="IFilesystemOps"/> (and LVM through
/// <see cref="ILvm"/>), so all of this is pinned by tests with fakes.
/// </summary>
/// <remarks>
/// A read-only raw block publish binds a read-only device-mapper device over the LV, not the
/// LV's own node (a read-only bind of a device node does not stop writes through it): named
/// <c>stratum-ro-&lt;LV&gt;-&lt;16 hex of SHA-256(volume id, target path)&gt;</c>, so it is recognisably
/// Stratum's, belongs to exactly one publish, and an unpublish (or its retry after a crash)
/// finds it from the request alone.
/// </remarks>
public sealed partial class NodeVolumes
{
    /// <summary>Prefix of the read-only device-mapper devices of read-only raw block publishes.</summary>
    public const string ReadOnlyMappingPrefix = "stratum-ro-";

    /// <summary>Prefix of the open LUKS devices of encrypted volumes: <c>stratum-luks-&lt;LV&gt;</c>.</summary>
    public const string CryptMappingPrefix = "stratum-luks-";

    /// <summary>The node-stage (and node-expand) secret key that holds an encrypted volume's key.</summary>
    public const string EncryptionKeySecret = "encryptionKey";

    private readonly ILvm _lvm;
    private readonly VolumeCatalog _catalog;
    private readonly Func<DeviceClassManager> _classes;
    private readonly VolumeLocks _locks;
    private readonly CapacityCache _capacity;
    private readonly IFilesystemOps _fs;
    private readonly IVolumeEncryption _encryption;
    private readonly PodCgroups _cgroups;
    private readonly ILogger _logger;

    /// <param name="lvm">LVM (activation, growth).</param>
    /// <param name="catalog">The volumes (shared with <see cref="VolumeEngine"/>).</param>
    /// <param name="classes">The current device classes.</param>
    /// <param name="locks">Per-volume locks (shared with <see cref="VolumeEngine"/>).</param>
    /// <param name="capacity">Free space: growth is checked against it and recorded in it.</param>
    /// <param name="filesystem">The host: devices, filesystems, mounts, paths.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="encryption">LUKS (cryptsetup) for encrypted volumes.</param>
    /// <param name="cgroups">The pods' cgroups, for IO limits.</param>
    public NodeVolumes(
        ILvm lvm, VolumeCatalog catalog, Func<DeviceClassManager> classes, VolumeLocks locks, CapacityCache capacity,
        IFilesystemOps filesystem, ILogger<NodeVolumes> logger, IVolumeEncryption encryption, PodCgroups cgroups)
    {
        _encryption = encryption;
        _cgroups = cgroups;
        _lvm = lvm;
        _catalog = catalog;
        _classes = classes;
        _locks = locks;
        _capacity = capacity;
        _fs = filesystem;
        _logger = logger;
    }

    /// <summary>
    /// The composition the hosting used before <see cref="NodeEngine"/> existed: shares the
    /// engine's catalog, locks, classes and capacity, and gives the engine the filesystem
    /// operations (for discarding deleted volumes). Kept until Csi/Hosting composes through
    /// <see cref="NodeEngine"/>.
    /// </summary>
    public NodeVolumes(VolumeEngine engine, ILvm lvm, IFilesystemOps fs, ILogger<NodeVolumes> logger, IVolumeEncryption encryption, PodCgroups cgroups)
        : this(lvm, engine.Catalog, engine.ClassesProvider, engine.Locks, engine.Capacity, fs, logger, encryption, cgroups)
    {
        engine.Filesystem ??= fs;
        Thin = engine.Thin;
    }

    /// <summary>The thin pools (shared with <see cref="VolumeEngine"/>): growing a thin volume is checked against its pool's overprovision limit.</summary>
    internal ThinPools? Thin { get; set; }

    public Task StageAsync(StageSpec spec, CancellationToken cancellationToken) => VolumeErrors.Run(async () =>
    {
        var id = ParseId(spec.VolumeId);
        using var held = _locks.Acquire(id.LogicalVolume, "NodeStageVolume");
        var volume = await ActiveVolumeAsync(id, cancellationToken).ConfigureAwait(false);
        var device = volume.Metadata.Encryption is null
            ? volume.DevicePath
            : (await OpenEncryptedAsync(volume, spec.Secrets, cancellationToken).ConfigureAwait(false)).Path;
        if (spec.Block)
        {
            Log.Staged(_logger, spec.VolumeId, "raw block", spec.StagingPath);
            return; // a raw block volume is published straight from its device node (or its open LUKS device)
        }

        var type = FilesystemFor(spec.FsType, volume);
        var mounted = MountAt(spec.StagingPath);
        if (mounted is not null)
        {
            if (!IsDevice(mounted, volume))
            {
                throw new VolumeException(VolumeError.AlreadyExists,
                    $"{spec.StagingPath} already has {mounted.Source} mounted, not volume {spec.VolumeId}");
            }

            if (mounted.FsType != type.ToName())
            {
                throw new VolumeException(VolumeError.AlreadyExists,
                    $"volume {spec.VolumeId} is staged at {spec.StagingPath} as {mounted.FsType}, not {type.ToName()}");
            }

            return; // already staged as asked
        }

        RequirePlace(spec.StagingPath, FileKind.Directory, "staging path");
        var contents = await _fs.ProbeAsync(device, cancellationToken).ConfigureAwait(false);
        if (!contents.IsBlank && !contents.Is(type))
        {
            throw new VolumeException(VolumeError.FailedPrecondition,
                $"volume {spec.VolumeId} ({device}) already carries {contents}, not {type.ToName()}; " +
                "Stratum never formats a device that holds data. Ask for the filesystem it has, or inspect it by hand");
        }

        // From here on the host changes: every step runs to its end whatever the caller does.
        var none = CancellationToken.None;
        if (contents.IsBlank)
        {
            await _fs.FormatAsync(device, type, none).ConfigureAwait(false);
            Log.Formatted(_logger, spec.VolumeId, type.ToName());
        }

        _fs.CreateDirectory(spec.StagingPath);
        await _fs.MountAsync(device, spec.StagingPath, type, spec.MountFlags, none).ConfigureAwait(false);
        if (!contents.IsBlank && volume.Metadata.Source is not null && !spec.MountFlags.Contains("ro"))
        {
            // Restored or cloned into a larger volume: the filesystem grows to the LV at its first stage (a no-op when it fills it already).
            await _fs.GrowAsync(device, spec.StagingPath, type, none).ConfigureAwait(false);
        }
        Log.Staged(_logger, spec.VolumeId, type.ToName(), spec.StagingPath);
    });

    public Task UnstageAsync(string volumeId, string stagingPath, CancellationToken cancellationToken) => VolumeErrors.Run(async () =>
    {
        var id = ParseId(volumeId);
        using var held = _locks.Acquire(id.LogicalVolume, "NodeUnstageVolume");
        var mounted = MountAt(stagingPath);
        if (mounted is not null)
        {
            var volume = await _catalog.FindAnyAsync(id, cancellationToken).ConfigureAwait(false);
            if (!(volume is not null ? IsDevice(mounted, volume) : MayBeDevice(mounted, id)))
            {
                throw new VolumeException(VolumeError.FailedPrecondition,
                    $"{stagingPath} has {mounted.Source} mounted, which is not volume {volumeId}; leaving it alone");
            }

            await _fs.UnmountAsync(stagingPath, CancellationToken.None).ConfigureAwait(false);
        }

        // An encrypted volume's LUKS device closes with the unstage (raw block volumes mount
        // nothing at the staging path, but are open too); also when a crash left it open after the
        // unmount. cryptsetup refuses to close a device still in use.
        var crypt = CryptMappingName(id.LogicalVolume);
        if (_fs.FindMappings(crypt).Any(m => m.Name == crypt))
        {
            try
            {
                await _encryption.CloseAsync(crypt, CancellationToken.None).ConfigureAwait(false);
            }
            catch (EncryptedDeviceBusyException ex)
            {
                throw new VolumeException(VolumeError.FailedPrecondition, $"cannot unstage volume {volumeId}: {ex.Message}", ex);
            }
        }

        Log.Unstaged(_logger, volumeId, stagingPath);
    });

    public Task PublishAsync(PublishSpec spec, CancellationToken cancellationToken) => VolumeErrors.Run(async () =>
    {
        var id = ParseId(spec.VolumeId);
        using var held = _locks.Acquire(id.LogicalVolume, "NodePublishVolume");
        var volume = await ActiveVolumeAsync(id, cancellationToken).ConfigureAwait(false);
        if (spec.Block)
        {
            await PublishBlockAsync(spec, volume).ConfigureAwait(false);
            return;
        }

        var staged = MountAt(spec.StagingPath);
        if (staged is null || !IsDevice(staged, volume))
        {
            throw new VolumeException(VolumeError.FailedPrecondition,
                $"volume {spec.VolumeId} is not staged at {spec.StagingPath}; NodeStageVolume must come first");
        }

        var published = MountAt(spec.TargetPath);
        if (published is not null)
        {
            if (!IsDevice(published, volume))
            {
                throw new VolumeException(VolumeError.AlreadyExists, $"{spec.TargetPath} already has {published.Source} mounted, not volume {spec.VolumeId}");
            }

            if (published.IsReadOnly != spec.ReadOnly)
            {
                throw new VolumeException(VolumeError.AlreadyExists,
                    $"volume {spec.VolumeId} is already published at {spec.TargetPath} {(published.IsReadOnly ? "read-only" : "read-write")}");
            }

            ApplyIoLimits(spec, volume, DataOf(volume)!.Path);
            return;
        }

        RequirePlace(spec.TargetPath, FileKind.Directory, "target path");

        // Limits first: a pod never gets the volume without the limits it was asked with.
        ApplyIoLimits(spec, volume, DataOf(volume)!.Path);
        _fs.CreateDirectory(spec.TargetPath);
        await _fs.BindMountAsync(spec.StagingPath, spec.TargetPath, spec.ReadOnly, [], CancellationToken.None).ConfigureAwait(false);
        Log.Published(_logger, spec.VolumeId, spec.TargetPath, spec.ReadOnly);
    });

    public Task UnpublishAsync(string volumeId, string targetPath, CancellationToken cancellationToken) => VolumeErrors.Run(async () =>
    {
        var id = ParseId(volumeId);
        using var held = _locks.Acquire(id.LogicalVolume, "NodeUnpublishVolume");
        var readOnly = ReadOnlyMappingName(id, targetPath);
        var none = CancellationToken.None;
        await LiftIoLimitsAsync(id, targetPath, readOnly, cancellationToken).ConfigureAwait(false);
        if (_fs.Lstat(targetPath).Exists)
        {
            var mounted = MountAt(targetPath);
            if (mounted is not null)
            {
                var volume = await _catalog.FindAnyAsync(id, cancellationToken).ConfigureAwait(false);
                var ours = IsNode(targetPath, readOnly)
                    || (volume is not null
                        ? IsDevice(mounted, volume) || IsDeviceNode(targetPath, volume)
                        : MayBeDevice(mounted, id) || mounted.FsType == "devtmpfs");
                if (!ours)
                {
                    throw new VolumeException(VolumeError.FailedPrecondition,
                        $"{targetPath} has {mounted.Source} mounted, which is not volume {volumeId}; leaving it alone");
                }

                await _fs.UnmountAsync(targetPath, none).ConfigureAwait(false);
            }

            // Remove only the empty directory or empty file a publish leaves (a raw block publish's
            // device node covered such a file); never anything with content.
            TryRemoveIfEmpty(targetPath);
        }

        // A read-only raw block publish's device goes with it: also when a crash left it behind
        // after the target was already cleaned up.
        if (_fs.FindMappings(readOnly).Any(m => m.Name == readOnly))
        {
            await _fs.RemoveMappingAsync(readOnly, none).ConfigureAwait(false);
        }

        Log.Unpublished(_logger, volumeId, targetPath);
    });

    /// <summary>Grows the LV to the requested size and the mounted filesystem to fill it; returns the new size.</summary>
    public Task<long> ExpandAsync(ExpandSpec spec, CancellationToken cancellationToken) => VolumeErrors.Run(async () =>
    {
        var id = ParseId(spec.VolumeId);
        using var held = _locks.Acquire(id.LogicalVolume, "NodeExpandVolume");
        var volume = await _catalog.FindAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw NotFound(spec.VolumeId);
        var deviceClass = _classes().TryGet(volume.Metadata.DeviceClass, out var found) ? found : null;
        var space = await _capacity.SpaceAsync(volume.Lv.VolumeGroup, $"of volume {spec.VolumeId}", cancellationToken).ConfigureAwait(false);
        var layout = deviceClass?.LvCreate ?? LvCreateSettings.Default;
        var target = Math.Max(volume.CapacityBytes, space.RoundUp(Math.Max(spec.RequiredBytes, 1), layout));
        if (spec.LimitBytes > 0 && target > spec.LimitBytes)
        {
            throw new VolumeException(VolumeError.OutOfRange,
                spec.LimitBytes < volume.CapacityBytes
                    ? $"volume {spec.VolumeId} already has {volume.CapacityBytes} bytes, more than the limit of {spec.LimitBytes}; volumes never shrink"
                    : $"{spec.RequiredBytes} bytes round up to {target}, above the limit of {spec.LimitBytes}");
        }

        // Without a capability, what is at the path tells: a published raw block volume is a
        // device node (bind-mounted onto a file, so it is in the mount table too).
        var block = spec.Block ?? _fs.Stat(spec.VolumePath).Kind == FileKind.BlockDevice;
        var mount = block ? null : MountAt(spec.VolumePath);
        if (!block && (mount is null || !IsDevice(mount, volume)))
        {
            throw new VolumeException(VolumeError.FailedPrecondition, $"volume {spec.VolumeId} is not mounted at {spec.VolumePath}");
        }

        // An encrypted volume's LUKS device can only be resized with its key: LUKS2 keeps the
        // volume key in the kernel keyring, where cryptsetup cannot read it back. Checked before
        // anything changes.
        string? key = null;
        if (volume.Metadata.Encryption is not null
            && (!spec.Secrets.TryGetValue(EncryptionKeySecret, out key) || string.IsNullOrEmpty(key)))
        {
            throw new VolumeException(VolumeError.InvalidArgument,
                $"volume {spec.VolumeId} is encrypted: NodeExpandVolume needs its key as '{EncryptionKeySecret}' in the node-expand secret " +
                "(StorageClass parameters csi.storage.k8s.io/node-expand-secret-name and -namespace, the same secret as for stage)");
        }

        // From here on the host changes: every step runs to its end whatever the caller does.
        var none = CancellationToken.None;
        if (target > volume.CapacityBytes && volume.Lv.IsThinVolume && deviceClass?.Thin is not null && Thin is { } thin)
        {
            // A thin volume takes no VG space when it grows, but its pool's overprovision limit and thresholds apply.
            using var entered = await thin.EnterAsync(none).ConfigureAwait(false);
            await thin.ReserveAsync(deviceClass, target - volume.CapacityBytes, none).ConfigureAwait(false);
            var grown = await _lvm.ExtendVolumeAsync(id.VolumeGroup, id.LogicalVolume, target, none).ConfigureAwait(false);
            volume = volume with { Lv = grown };
            _catalog.Set(volume);
            await _capacity.RefreshAsync(id.VolumeGroup, none).ConfigureAwait(false);
        }
        else if (target > volume.CapacityBytes)
        {
            var growth = space.Footprint(target, layout) - space.Footprint(volume.CapacityBytes, layout);
            var spare = deviceClass?.SpareBytes ?? 0;
            if (growth > space.Group.FreeBytes - spare)
            {
                throw new VolumeException(VolumeError.NoSpace,
                    $"growing volume {spec.VolumeId} to {target} bytes needs {growth} more bytes of volume group {volume.Lv.VolumeGroup}, " +
                    $"which has {space.Group.FreeBytes} free of which {spare} are kept spare");
            }

            LogicalVolume grown;
            try
            {
                grown = await _lvm.ExtendVolumeAsync(id.VolumeGroup, id.LogicalVolume, target, none).ConfigureAwait(false);
            }
            catch (LvmInsufficientSpaceException ex)
            {
                await _capacity.RefreshAsync(id.VolumeGroup, none).ConfigureAwait(false);
                throw new VolumeException(VolumeError.NoSpace, $"growing volume {spec.VolumeId}: {ex.Message}", ex);
            }

            _capacity.Adjust(id.VolumeGroup, -(VolumeGroupSpace.Footprint(grown, space.ExtentBytes) - VolumeGroupSpace.Footprint(volume.Lv, space.ExtentBytes)));
            volume = volume with { Lv = grown };
            _catalog.Set(volume);
        }

        // Also when the LV was already large enough: a retry after a crash between lvextend and
        // the rest must still finish the rest.
        if (volume.Metadata.Encryption is not null)
        {
            // The LUKS device follows its LV.
            try
            {
                await _encryption.ResizeAsync(CryptMappingName(volume.Lv.Name), key, none).ConfigureAwait(false);
            }
            catch (EncryptionKeyRejectedException ex)
            {
                throw new VolumeException(VolumeError.PermissionDenied, $"volume {spec.VolumeId}: {ex.Message}", ex);
            }
        }

        await ResizeReadOnlyMappingsAsync(volume).ConfigureAwait(false);
        if (mount is not null)
        {
            if (!FileSystemTypes.TryParse(mount.FsType, out var type))
            {
                throw new VolumeException(VolumeError.FailedPrecondition, $"volume {spec.VolumeId} is mounted as {mount.FsType}, which Stratum cannot grow");
            }

            await _fs.GrowAsync(DataOf(volume)?.Path ?? volume.DevicePath, spec.VolumePath, type, none).ConfigureAwait(false);
        }

        // Per-GiB limits follow the new size.
        ReapplyIoLimits(volume);

        Log.Expanded(_logger, spec.VolumeId, volume.CapacityBytes);
        return volume.CapacityBytes;
    });

    /// <summary>Usage of the volume at <paramref name="volumePath"/>, and whether anything is wrong with it.</summary>
    public Task<VolumeStats> StatsAsync(string volumeId, string volumePath, CancellationToken cancellationToken) => VolumeErrors.Run(async () =>
    {
        var id = ParseId(volumeId);
        var status = _fs.Stat(volumePath);
        if (!status.Exists)
        {
            throw new VolumeException(VolumeError.NotFound, $"{volumePath} does not exist");
        }

        var volume = await _catalog.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (volume is null)
        {
            // LVM refuses to remove an open LV, so an LV missing under a path still served from it
            // means LVM lost it underneath (its disks gone, metadata changed by hand): a broken
            // volume the pod is still using, which CSI reports as abnormal. Anything else is a
            // stale or wrong id: NOT_FOUND.
            var missing = $"logical volume {id.VolumeGroup}/{id.LogicalVolume} (UUID {id.Uuid})";
            return StillServedFrom(id, volumePath, status)
                ? new VolumeStats(null, null, true, $"{missing} no longer exists in LVM, but {volumePath} is still served from its device")
                : throw new VolumeException(VolumeError.NotFound, $"volume {volumeId} does not exist on this node (no {missing})");
        }

        var health = await VolumeHealth.CheckAsync(volume, _fs, cancellationToken).ConfigureAwait(false);
        if (status.Kind == FileKind.BlockDevice)
        {
            return new VolumeStats(null, volume.CapacityBytes, health.Abnormal, health.Message);
        }

        var mounted = MountAt(volumePath);
        if (mounted is null || !IsDevice(mounted, volume))
        {
            return new VolumeStats(null, null, true, $"volume {volumeId} is not mounted at {volumePath}");
        }

        return new VolumeStats(_fs.GetStats(volumePath), null, health.Abnormal, health.Message);
    });

    /// <summary>
    /// Changes the volume's IO limits (ControllerModifyVolume's mutable parameters, or the node's
    /// own reapply of a VolumeAttributesClass): records them in the LV's tag, then rewrites
    /// <c>io.max</c> in every pod cgroup the volume is published to, so running pods get the
    /// new limits without a restart. The new set replaces the old one whole (a limit it does not
    /// name is lifted). Idempotent.
    /// </summary>
    public Task ModifyAsync(string volumeId, IoLimitSettings limits, CancellationToken cancellationToken) => VolumeErrors.Run(async () =>
    {
        ArgumentNullException.ThrowIfNull(limits);
        var id = ParseId(volumeId);
        using var held = _locks.Acquire(id.LogicalVolume, "ControllerModifyVolume");
        var volume = await _catalog.FindAsync(id, cancellationToken).ConfigureAwait(false) ?? throw NotFound(volumeId);
        var pods = PublishedPods(volume);
        if (!volume.Metadata.IoLimits.Equals(limits))
        {
            var remove = volume.Lv.Tags.Where(VolumeMetadata.IsIoTag).ToList();
            IReadOnlyCollection<string> add = VolumeMetadata.IoTag(limits) is { } tag ? [tag] : [];
            await _lvm.ChangeTagsAsync(id.VolumeGroup, id.LogicalVolume, add, remove, CancellationToken.None).ConfigureAwait(false);
            volume = await _catalog.FindAsync(id, CancellationToken.None).ConfigureAwait(false) ?? throw NotFound(volumeId);
        }

        ReapplyIoLimits(volume, pods);
        Log.Modified(_logger, volumeId, limits.ToString());
    });

    /// <summary>The open LUKS device of an encrypted volume: <c>stratum-luks-&lt;LV&gt;</c>.</summary>
    public static string CryptMappingName(string logicalVolume) => CryptMappingPrefix + logicalVolume;

    /// <summary>
    /// Opens an encrypted volume's LUKS device, making the LUKS header first when the LV is blank
    /// (its first stage; never otherwise). An LV that holds anything but LUKS is refused; a wrong
    /// key changes nothing. An already open device is checked against the key too.
    /// </summary>
    private async Task<DataDevice> OpenEncryptedAsync(ManagedVolume volume, IReadOnlyDictionary<string, string> secrets, CancellationToken cancellationToken)
    {
        var volumeId = volume.Id.ToString();
        if (volume.Metadata.Encryption != VolumeMetadata.Luks2)
        {
            throw new VolumeException(VolumeError.FailedPrecondition,
                $"volume {volumeId} is encrypted with '{volume.Metadata.Encryption}', which this version of Stratum cannot open");
        }

        if (!secrets.TryGetValue(EncryptionKeySecret, out var key) || string.IsNullOrEmpty(key))
        {
            throw new VolumeException(VolumeError.InvalidArgument,
                $"volume {volumeId} is encrypted: NodeStageVolume needs its key as '{EncryptionKeySecret}' in the node-stage secret " +
                "(StorageClass parameters csi.storage.k8s.io/node-stage-secret-name and -namespace)");
        }

        try
        {
            var name = CryptMappingName(volume.Lv.Name);
            var lv = DeviceOf(volume);
            var open = _fs.FindMappings(name).FirstOrDefault(m => m.Name == name);
            if (open is not null)
            {
                if (!open.Backing.SequenceEqual([lv]))
                {
                    throw new VolumeException(VolumeError.FailedPrecondition,
                        $"{name} is open over {string.Join(",", open.Backing)}, not over volume {volumeId} ({lv}); leaving it alone");
                }

                await _encryption.VerifyKeyAsync(volume.DevicePath, key, cancellationToken).ConfigureAwait(false);
                return DataOf(volume)!;
            }

            var contents = await _fs.ProbeAsync(volume.DevicePath, cancellationToken).ConfigureAwait(false);
            var none = CancellationToken.None;
            if (contents.IsBlank)
            {
                await _encryption.FormatAsync(volume.DevicePath, key, none).ConfigureAwait(false);
                Log.Encrypted(_logger, volumeId);
            }
            else if (contents is not { Usage: "crypto", Type: "crypto_LUKS" })
            {
                throw new VolumeException(VolumeError.FailedPrecondition,
                    $"volume {volumeId} is to be encrypted, but its LV ({volume.DevicePath}) already carries {contents}; " +
                    "Stratum never formats a device that holds data");
            }

            await _encryption.OpenAsync(volume.DevicePath, name, key, none).ConfigureAwait(false);
            return DataOf(volume) ?? throw new VolumeException(VolumeError.Internal, $"cryptsetup opened {name}, but it is not in sysfs");
        }
        catch (EncryptionKeyRejectedException ex)
        {
            throw new VolumeException(VolumeError.PermissionDenied, $"volume {volumeId}: {ex.Message}", ex);
        }
    }

    /// <summary>The device a pod's IO reaches: the LV, or its open LUKS device (null when that is not open, or the LV is inactive).</summary>
    private DataDevice? DataOf(ManagedVolume volume)
    {
        if (volume.Lv.KernelMajor is null)
        {
            return null;
        }

        var lv = DeviceOf(volume);
        if (volume.Metadata.Encryption is null)
        {
            return new DataDevice(volume.DevicePath, lv, volume.CapacityBytes / LvmValidation.SectorSize);
        }

        var name = CryptMappingName(volume.Lv.Name);
        return _fs.FindMappings(name).FirstOrDefault(m => m.Name == name && m.Backing.SequenceEqual([lv])) is { } open
            ? new DataDevice($"/dev/mapper/{name}", open.Device, open.Sectors)
            : null;
    }

    /// <summary>Writes the volume's IO limits into the pod's cgroup for the device at <paramref name="device"/> (its number from stat(2) of the node, as the kernel reports it).</summary>
    private void ApplyIoLimits(PublishSpec spec, ManagedVolume volume, string device)
    {
        var settings = volume.Metadata.IoLimits;
        if (settings.IsEmpty)
        {
            return;
        }

        if (string.IsNullOrEmpty(spec.PodUid))
        {
            throw new VolumeException(VolumeError.FailedPrecondition,
                $"volume {spec.VolumeId} has IO limits ({settings}), but NodePublishVolume names no pod (volume context csi.storage.k8s.io/pod.uid): " +
                "the CSIDriver needs podInfoOnMount: true. The volume is not published without its limits");
        }

        var number = _fs.Stat(device) is { Kind: FileKind.BlockDevice } s
            ? new DeviceNumber(s.DeviceMajor, s.DeviceMinor)
            : throw new VolumeException(VolumeError.Internal, $"{device} is not a block device");
        var limits = settings.Resolve(volume.CapacityBytes);
        var cgroup = _cgroups.Apply(spec.PodUid, number, limits);
        Log.IoLimited(_logger, spec.VolumeId, cgroup, limits.ToLine(number));
    }

    /// <summary>Lifts the limits a publish at <paramref name="targetPath"/> set: the pod comes from kubelet's path (<c>…/pods/&lt;uid&gt;/volumes/…</c>).</summary>
    private async Task LiftIoLimitsAsync(VolumeId id, string targetPath, string readOnly, CancellationToken cancellationToken)
    {
        if (PodUidOf(targetPath) is not { } pod)
        {
            return;
        }

        var volume = await _catalog.FindAnyAsync(id, cancellationToken).ConfigureAwait(false);
        var devices = new List<DeviceNumber>();
        if (volume is not null && DataOf(volume) is { } data)
        {
            devices.Add(data.Number);
        }

        devices.AddRange(_fs.FindMappings(readOnly).Where(m => m.Name == readOnly).Select(m => m.Device));
        foreach (var device in devices)
        {
            if (_cgroups.Lift(pod, device) is { } cgroup)
            {
                Log.IoLimitLifted(_logger, id.ToString(), cgroup, device.ToString());
            }
        }
    }

    /// <summary>The pods (their cgroups) the volume is published to with limits, or mounted into (a filesystem publish under kubelet's pods directory).</summary>
    private IReadOnlyList<string> PublishedPods(ManagedVolume volume)
    {
        if (DataOf(volume) is not { } data)
        {
            return [];
        }

        var pods = new List<string>(_cgroups.FindLimited(data.Number));
        foreach (var mount in _fs.ReadMounts())
        {
            if (PodUidOf(mount.MountPoint) is { } uid && IsDevice(mount, volume) && _cgroups.FindPod(uid) is { } cgroup && !pods.Contains(cgroup))
            {
                pods.Add(cgroup);
            }
        }

        return pods;
    }

    private void ReapplyIoLimits(ManagedVolume volume, IReadOnlyList<string>? pods = null)
    {
        if (DataOf(volume) is not { } data)
        {
            return;
        }

        var limits = volume.Metadata.IoLimits.Resolve(volume.CapacityBytes);
        foreach (var cgroup in pods ?? _cgroups.FindLimited(data.Number))
        {
            PodCgroups.Write(cgroup, data.Number, limits);
            Log.IoLimited(_logger, volume.Id.ToString(), cgroup, limits.ToLine(data.Number));
        }
    }

    /// <summary>
    /// The pod UID in a kubelet publish path, or null: <c>…/pods/&lt;uid&gt;/volumes/…</c> (filesystem) or
    /// <c>…/volumeDevices/publish/&lt;pv&gt;/&lt;uid&gt;</c> (raw block).
    /// </summary>
    internal static string? PodUidOf(string path)
    {
        var parts = path.Split('/');
        if (parts.Length >= 4 && parts[^3] == "publish" && parts[^4] == "volumeDevices" && Guid.TryParse(parts[^1], out _))
        {
            return parts[^1];
        }

        for (var i = 0; i + 2 < parts.Length; i++)
        {
            if (parts[i] == "pods" && parts[i + 2] == "volumes" && Guid.TryParse(parts[i + 1], out _))
            {
                return parts[i + 1];
            }
        }

        return null;
    }

    /// <summary>The read-only device-mapper device of a read-only raw block publish of <paramref name="id"/> at <paramref name="targetPath"/>.</summary>
    public static string ReadOnlyMappingName(VolumeId id, string targetPath)
    {
        ArgumentNullException.ThrowIfNull(id);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{id}\n{targetPath}"));
        return $"{ReadOnlyMappingPrefix}{id.LogicalVolume}-{Convert.ToHexStringLower(hash.AsSpan(0, 8))}";
    }

    private async Task<ManagedVolume> ActiveVolumeAsync(VolumeId id, CancellationToken cancellationToken)
    {
        var volume = await _catalog.FindAsync(id, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id.ToString());
        if (volume.Lv.IsActive)
        {
            return volume;
        }

        await _lvm.ActivateVolumeAsync(id.VolumeGroup, id.LogicalVolume, cancellationToken).ConfigureAwait(false);
        return await _catalog.FindAsync(id, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id.ToString());
    }

    private async Task PublishBlockAsync(PublishSpec spec, ManagedVolume volume)
    {
        var readOnly = ReadOnlyMappingName(volume.Id, spec.TargetPath);
        var existing = _fs.Lstat(spec.TargetPath);
        if (existing.Exists && MountAt(spec.TargetPath) is not null)
        {
            var asked = spec.ReadOnly ? "read-only" : "read-write";
            var publishedReadOnly = IsNode(spec.TargetPath, readOnly);
            if (!publishedReadOnly && !IsDeviceNode(spec.TargetPath, volume))
            {
                throw new VolumeException(VolumeError.AlreadyExists, $"{spec.TargetPath} already has something else mounted, not volume {spec.VolumeId}");
            }

            if (publishedReadOnly != spec.ReadOnly)
            {
                throw new VolumeException(VolumeError.AlreadyExists,
                    $"volume {spec.VolumeId} is already published at {spec.TargetPath} {(publishedReadOnly ? "read-only" : "read-write")}, not {asked}");
            }

            ApplyIoLimits(spec, volume, spec.TargetPath);
            return; // already published as asked
        }

        RequirePlace(spec.TargetPath, FileKind.Regular, "target path");

        // From here on the host changes: every step runs to its end whatever the caller does.
        var none = CancellationToken.None;
        _fs.CreateDirectory(Path.GetDirectoryName(spec.TargetPath)!);
        if (!existing.Exists)
        {
            _fs.CreateFile(spec.TargetPath);
        }

        var data = DataOf(volume) ?? throw new VolumeException(VolumeError.FailedPrecondition,
            $"encrypted volume {spec.VolumeId} is not open on this node; NodeStageVolume must come first");
        var source = data.Path;
        if (spec.ReadOnly)
        {
            var device = data.Number;
            var mapping = _fs.FindMappings(readOnly).FirstOrDefault(m => m.Name == readOnly);
            if (mapping is not null && !mapping.Backing.SequenceEqual([device]))
            {
                // Left by a publish of an LV that no longer exists under that number: not this volume's.
                await _fs.RemoveMappingAsync(readOnly, none).ConfigureAwait(false);
                mapping = null;
            }

            if (mapping is null)
            {
                await _fs.CreateReadOnlyMappingAsync(readOnly, device, data.Sectors, none).ConfigureAwait(false);
            }

            source = $"/dev/mapper/{readOnly}";
        }

        ApplyIoLimits(spec, volume, source);

        await _fs.BindMountAsync(source, spec.TargetPath, spec.ReadOnly, [], none).ConfigureAwait(false);
        Log.Published(_logger, spec.VolumeId, spec.TargetPath, spec.ReadOnly);
    }

    /// <summary>Gives the read-only devices of a volume's read-only publishes the LV's size.</summary>
    private async Task ResizeReadOnlyMappingsAsync(ManagedVolume volume)
    {
        if (DataOf(volume) is not { } data)
        {
            return;
        }

        var device = data.Number;
        var sectors = data.Sectors;
        foreach (var mapping in _fs.FindMappings($"{ReadOnlyMappingPrefix}{volume.Lv.Name}-"))
        {
            if (mapping.Backing.SequenceEqual([device]) && mapping.Sectors != sectors)
            {
                await _fs.ResizeReadOnlyMappingAsync(mapping.Name, device, sectors, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private FileSystemType FilesystemFor(string? requested, ManagedVolume volume)
    {
        if (!string.IsNullOrEmpty(requested))
        {
            return FileSystemTypes.TryParse(requested, out var type)
                ? type
                : throw new VolumeException(VolumeError.InvalidArgument, $"filesystem '{requested}' is not supported ({FileSystemTypes.Names})");
        }

        return _classes().TryGet(volume.Metadata.DeviceClass, out var deviceClass) ? deviceClass.FsType : FileSystemType.Ext4;
    }

    private MountEntry? MountAt(string path) => MountInfo.FindMountPoint(_fs.ReadMounts(), path);

    /// <summary>
    /// Refuses a staging or target path that is a symbolic link (mount follows it: a link to / or
    /// anywhere else on the node would have the volume mounted there), or that exists as anything
    /// but <paramref name="expected"/> (a directory for a filesystem, a file for a raw block
    /// device). Checked before anything changes; nothing at the path is touched.
    /// </summary>
    private void RequirePlace(string path, FileKind expected, string role)
    {
        var status = _fs.Lstat(path);
        if (status.Kind == FileKind.SymbolicLink)
        {
            throw new VolumeException(VolumeError.FailedPrecondition,
                $"{role} {path} is a symbolic link; Stratum never mounts through a link (it could lead anywhere on the node), and leaves it alone");
        }

        if (status.Exists && status.Kind != expected)
        {
            throw new VolumeException(VolumeError.FailedPrecondition,
                $"{role} {path} exists and is a {KindName(status.Kind)}, not {(expected == FileKind.Directory ? "a directory to mount a filesystem on" : "a file to bind a block device onto")}; it was left as it is");
        }
    }

    private static string KindName(FileKind kind) => kind switch
    {
        FileKind.Regular => "regular file",
        FileKind.Directory => "directory",
        FileKind.BlockDevice => "block device",
        FileKind.CharacterDevice => "character device",
        FileKind.Fifo => "FIFO",
        FileKind.Socket => "socket",
        _ => kind.ToString(),
    };

    private static DeviceNumber DeviceOf(ManagedVolume volume) =>
        new((uint)(volume.Lv.KernelMajor ?? throw new InvalidOperationException($"{volume.Lv.FullName} is not active")), (uint)volume.Lv.KernelMinor!.Value);

    /// <summary>
    /// Whether the mount's device is the volume's LV, compared by device number: the one mountinfo
    /// reports, or else the one of the device node the mount's source names. btrfs reports an
    /// anonymous device number (0:N) for every mount, so only its source identifies the device.
    /// </summary>
    private bool IsDevice(MountEntry mount, ManagedVolume volume) =>
        DataOf(volume) is { Number: var d }
        && ((mount.DeviceMajor == d.Major && mount.DeviceMinor == d.Minor) || SourceIsDevice(mount.Source, (int)d.Major, (int)d.Minor));

    private bool SourceIsDevice(string source, int major, int minor)
    {
        if (!source.StartsWith('/'))
        {
            return false;
        }

        try
        {
            return _fs.Stat(source) is { Kind: FileKind.BlockDevice } device
                && device.DeviceMajor == (uint)major && device.DeviceMinor == (uint)minor;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Whether a file is (a bind of) the volume's device node.</summary>
    private bool IsDeviceNode(string path, ManagedVolume volume) =>
        _fs.Stat(path) is { Kind: FileKind.BlockDevice } s
        && DataOf(volume) is { Number: var d } && d.Major == s.DeviceMajor && d.Minor == s.DeviceMinor;

    /// <summary>Whether a file is (a bind of) the node of the device-mapper device <paramref name="name"/>.</summary>
    private bool IsNode(string path, string name) =>
        _fs.Stat(path) is { Kind: FileKind.BlockDevice } s && _fs.DeviceMapperName(new DeviceNumber(s.DeviceMajor, s.DeviceMinor)) == name;

    /// <summary>Whether a path is still a mount or device node of the LV's device-mapper device (or of a read-only device over it), though LVM no longer lists the LV.</summary>
    private bool StillServedFrom(VolumeId id, string path, FileStatus status)
    {
        if (status.Kind == FileKind.BlockDevice)
        {
            var name = _fs.DeviceMapperName(new DeviceNumber(status.DeviceMajor, status.DeviceMinor));
            return name == DeviceMapperName(id) || name == ReadOnlyMappingName(id, path) || name == CryptMappingName(id.LogicalVolume);
        }

        return MountAt(path) is { } mount
            && (MayBeDevice(mount, id) || _fs.DeviceMapperName(new DeviceNumber(mount.DeviceMajor, mount.DeviceMinor)) is { } dm
                && (dm == DeviceMapperName(id) || dm == CryptMappingName(id.LogicalVolume)));
    }

    /// <summary>The device-mapper name LVM gives an LV: VG and LV joined by '-', each '-' inside them doubled.</summary>
    private static string DeviceMapperName(VolumeId id) => DeviceMapperNames.Of(id.VolumeGroup, id.LogicalVolume);

    /// <summary>When the LV is gone, the best remaining evidence is the mount source's device-mapper name.</summary>
    private static bool MayBeDevice(MountEntry mount, VolumeId id) =>
        mount.Source == $"/dev/mapper/{DeviceMapperName(id)}"
        || mount.Source == $"/dev/{id.VolumeGroup}/{id.LogicalVolume}"
        || mount.Source == $"/dev/mapper/{CryptMappingName(id.LogicalVolume)}";

    private static VolumeId ParseId(string volumeId) =>
        VolumeId.TryParse(volumeId, out var id) ? id : throw NotFound(volumeId);

    private static VolumeException NotFound(string volumeId) =>
        new(VolumeError.NotFound, $"volume {volumeId} does not exist on this node");

    private void TryRemoveIfEmpty(string path)
    {
        try
        {
            _fs.RemoveIfEmpty(path);
        }
        catch (IOException ex)
        {
            Log.LeftInPlace(_logger, path, ex.Message);
        }
    }

    /// <summary>The device a pod's IO reaches, its number and its size in 512-byte sectors.</summary>
    private sealed record DataDevice(string Path, DeviceNumber Number, long Sectors);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3410, Level = LogLevel.Information, Message = "Encrypted volume {VolumeId} (new LUKS2 header)")]
        public static partial void Encrypted(ILogger logger, string volumeId);

        [LoggerMessage(EventId = 3420, Level = LogLevel.Information, Message = "IO limits of volume {VolumeId} in {Cgroup}: {Line}")]
        public static partial void IoLimited(ILogger logger, string volumeId, string cgroup, string line);

        [LoggerMessage(EventId = 3421, Level = LogLevel.Information, Message = "Lifted the IO limits of volume {VolumeId} ({Device}) in {Cgroup}")]
        public static partial void IoLimitLifted(ILogger logger, string volumeId, string cgroup, string device);

        [LoggerMessage(EventId = 3422, Level = LogLevel.Information, Message = "Volume {VolumeId} now has IO limits {Limits}")]
        public static partial void Modified(ILogger logger, string volumeId, string limits);

        [LoggerMessage(EventId = 3020, Level = LogLevel.Information, Message = "Formatted volume {VolumeId} as {FsType}")]
        public static partial void Formatted(ILogger logger, string volumeId, string fsType);

        [LoggerMessage(EventId = 3021, Level = LogLevel.Information, Message = "Staged volume {VolumeId} ({Kind}) at {Path}")]
        public static partial void Staged(ILogger logger, string volumeId, string kind, string path);

        [LoggerMessage(EventId = 3022, Level = LogLevel.Information, Message = "Unstaged volume {VolumeId} from {Path}")]
        public static partial void Unstaged(ILogger logger, string volumeId, string path);

        [LoggerMessage(EventId = 3023, Level = LogLevel.Information, Message = "Published volume {VolumeId} at {Path} (read-only: {ReadOnly})")]
        public static partial void Published(ILogger logger, string volumeId, string path, bool readOnly);

        [LoggerMessage(EventId = 3024, Level = LogLevel.Information, Message = "Unpublished volume {VolumeId} from {Path}")]
        public static partial void Unpublished(ILogger logger, string volumeId, string path);

        [LoggerMessage(EventId = 3025, Level = LogLevel.Information, Message = "Volume {VolumeId} now has {SizeBytes} bytes")]
        public static partial void Expanded(ILogger logger, string volumeId, long sizeBytes);

        [LoggerMessage(EventId = 3026, Level = LogLevel.Warning, Message = "Left {Path} in place: {Reason}")]
        public static partial void LeftInPlace(ILogger logger, string path, string reason);
    }
}
