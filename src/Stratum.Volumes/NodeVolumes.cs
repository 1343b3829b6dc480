using Stratum.Config;
using Microsoft.Extensions.Logging;
using Stratum.Lvm;
using Stratum.Volumes.Filesystems;
using Stratum.Volumes.Naming;
using Stratum.Volumes.Platform;

namespace Stratum.Volumes;

/// <summary>
/// The node side of the engine: makes a volume usable on this node (stage: format a blank device
/// and mount it; publish: bind it into the pod's path), undoes that, grows volumes online and
/// reports usage. Every operation is idempotent: asking again for a state that already holds
/// succeeds; asking for a state that conflicts with what is there fails without touching it.
/// Data is never destroyed: a device that carries anything but the expected filesystem is
/// refused, never formatted.
/// </summary>
public sealed partial class NodeVolumes
{
    private readonly VolumeEngine _engine;
    private readonly ILvm _lvm;
    private readonly IFilesystemOps _fs;
    private readonly ILogger _logger;

    public NodeVolumes(VolumeEngine engine, ILvm lvm, IFilesystemOps fs, ILogger<NodeVolumes> logger)
    {
        _engine = engine;
        _lvm = lvm;
        _fs = fs;
        _logger = logger;
    }

    public async Task StageAsync(StageSpec spec, CancellationToken cancellationToken)
    {
        var id = ParseId(spec.VolumeId);
        using var held = _engine.Lock(id.LogicalVolume, "NodeStageVolume");
        var volume = await ActiveVolumeAsync(id, cancellationToken).ConfigureAwait(false);
        if (spec.Block)
        {
            Log.Staged(_logger, spec.VolumeId, "raw block", spec.StagingPath);
            return; // a raw block volume is published straight from its device node
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

        var contents = await _fs.ProbeAsync(volume.DevicePath, cancellationToken).ConfigureAwait(false);
        if (contents.IsBlank)
        {
            await _fs.FormatAsync(volume.DevicePath, type, cancellationToken).ConfigureAwait(false);
            Log.Formatted(_logger, spec.VolumeId, type.ToName());
        }
        else if (!contents.Is(type))
        {
            throw new VolumeException(VolumeError.FailedPrecondition,
                $"volume {spec.VolumeId} ({volume.DevicePath}) already carries {contents}, not {type.ToName()}; " +
                "Stratum never formats a device that holds data. Ask for the filesystem it has, or inspect it by hand");
        }

        Directory.CreateDirectory(spec.StagingPath);
        await _fs.MountAsync(volume.DevicePath, spec.StagingPath, type, spec.MountFlags, cancellationToken).ConfigureAwait(false);
        Log.Staged(_logger, spec.VolumeId, type.ToName(), spec.StagingPath);
    }

    public async Task UnstageAsync(string volumeId, string stagingPath, CancellationToken cancellationToken)
    {
        var id = ParseId(volumeId);
        using var held = _engine.Lock(id.LogicalVolume, "NodeUnstageVolume");
        var mounted = MountAt(stagingPath);
        if (mounted is null)
        {
            return; // nothing staged here (raw block volumes never mount at the staging path)
        }

        var volume = await _engine.Catalog.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (!(volume is not null ? IsDevice(mounted, volume) : MayBeDevice(mounted, id)))
        {
            throw new VolumeException(VolumeError.FailedPrecondition,
                $"{stagingPath} has {mounted.Source} mounted, which is not volume {volumeId}; leaving it alone");
        }

        await _fs.UnmountAsync(stagingPath, cancellationToken).ConfigureAwait(false);
        Log.Unstaged(_logger, volumeId, stagingPath);
    }

    public async Task PublishAsync(PublishSpec spec, CancellationToken cancellationToken)
    {
        var id = ParseId(spec.VolumeId);
        using var held = _engine.Lock(id.LogicalVolume, "NodePublishVolume");
        var volume = await ActiveVolumeAsync(id, cancellationToken).ConfigureAwait(false);
        if (spec.Block)
        {
            await PublishBlockAsync(spec, volume, cancellationToken).ConfigureAwait(false);
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

            return;
        }

        Directory.CreateDirectory(spec.TargetPath);
        await _fs.BindMountAsync(spec.StagingPath, spec.TargetPath, spec.ReadOnly, [], cancellationToken).ConfigureAwait(false);
        Log.Published(_logger, spec.VolumeId, spec.TargetPath, spec.ReadOnly);
    }

    public async Task UnpublishAsync(string volumeId, string targetPath, CancellationToken cancellationToken)
    {
        var id = ParseId(volumeId);
        using var held = _engine.Lock(id.LogicalVolume, "NodeUnpublishVolume");
        var status = FileStatus.Lstat(targetPath);
        if (!status.Exists)
        {
            return;
        }

        var mounted = MountAt(targetPath);
        if (mounted is not null)
        {
            var volume = await _engine.Catalog.FindAsync(id, cancellationToken).ConfigureAwait(false);
            var ours = volume is not null
                ? IsDevice(mounted, volume) || IsDeviceNode(targetPath, volume)
                : MayBeDevice(mounted, id) || mounted.FsType == "devtmpfs";
            if (!ours)
            {
                throw new VolumeException(VolumeError.FailedPrecondition,
                    $"{targetPath} has {mounted.Source} mounted, which is not volume {volumeId}; leaving it alone");
            }

            await _fs.UnmountAsync(targetPath, cancellationToken).ConfigureAwait(false);

            // What was under the mount: a raw block publish's device node covered the empty file it was bound onto.
            status = FileStatus.Lstat(targetPath);
        }

        // Remove only the empty directory or empty file a publish leaves; never anything with content.
        if (status.Kind == FileKind.Directory)
        {
            TryRemove(() => Directory.Delete(targetPath, recursive: false), targetPath);
        }
        else if (status.Kind == FileKind.Regular && new FileInfo(targetPath).Length == 0)
        {
            TryRemove(() => File.Delete(targetPath), targetPath);
        }

        Log.Unpublished(_logger, volumeId, targetPath);
    }

    /// <summary>Grows the LV to the requested size and the mounted filesystem to fill it; returns the new size.</summary>
    public async Task<long> ExpandAsync(ExpandSpec spec, CancellationToken cancellationToken)
    {
        var id = ParseId(spec.VolumeId);
        using var held = _engine.Lock(id.LogicalVolume, "NodeExpandVolume");
        var volume = await _engine.Catalog.FindAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw NotFound(spec.VolumeId);
        var deviceClass = _engine.Classes.TryGet(volume.Metadata.DeviceClass, out var found) ? found : null;
        var space = await FreshSpaceAsync(volume.Lv.VolumeGroup, cancellationToken).ConfigureAwait(false);
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
        var block = spec.Block ?? FileStatus.StatFollow(spec.VolumePath).Kind == FileKind.BlockDevice;
        var mount = block ? null : MountAt(spec.VolumePath);
        if (!block && (mount is null || !IsDevice(mount, volume)))
        {
            throw new VolumeException(VolumeError.FailedPrecondition, $"volume {spec.VolumeId} is not mounted at {spec.VolumePath}");
        }

        if (target > volume.CapacityBytes)
        {
            var growth = space.Footprint(target, layout) - space.Footprint(volume.CapacityBytes, layout);
            var spare = deviceClass?.SpareBytes ?? 0;
            if (growth > space.Group.FreeBytes - spare)
            {
                throw new VolumeException(VolumeError.NoSpace,
                    $"growing volume {spec.VolumeId} to {target} bytes needs {growth} more bytes of volume group {volume.Lv.VolumeGroup}, " +
                    $"which has {space.Group.FreeBytes} free of which {spare} are kept spare");
            }

            try
            {
                volume = volume with { Lv = await _lvm.ExtendVolumeAsync(id.VolumeGroup, id.LogicalVolume, target, cancellationToken).ConfigureAwait(false) };
            }
            catch (LvmInsufficientSpaceException ex)
            {
                throw new VolumeException(VolumeError.NoSpace, $"growing volume {spec.VolumeId}: {ex.Message}", ex);
            }
            finally
            {
                await _engine.RefreshCapacityAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (mount is not null)
        {
            // Also when the LV was already large enough: a retry after a crash between
            // lvextend and the filesystem grow must still grow the filesystem.
            if (!FileSystemTypes.TryParse(mount.FsType, out var type))
            {
                throw new VolumeException(VolumeError.FailedPrecondition, $"volume {spec.VolumeId} is mounted as {mount.FsType}, which Stratum cannot grow");
            }

            await _fs.GrowAsync(volume.DevicePath, spec.VolumePath, type, cancellationToken).ConfigureAwait(false);
        }

        Log.Expanded(_logger, spec.VolumeId, volume.CapacityBytes);
        return volume.CapacityBytes;
    }

    /// <summary>Usage of the volume at <paramref name="volumePath"/>, and whether anything is wrong with it.</summary>
    public async Task<VolumeStats> StatsAsync(string volumeId, string volumePath, CancellationToken cancellationToken)
    {
        var id = ParseId(volumeId);
        var status = FileStatus.StatFollow(volumePath);
        if (!status.Exists)
        {
            throw new VolumeException(VolumeError.NotFound, $"{volumePath} does not exist");
        }

        var volume = await _engine.Catalog.FindAsync(id, cancellationToken).ConfigureAwait(false);
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

        var health = volume.Lv.HealthStatus is { } h ? $"LVM reports the volume {h}" : null;
        if (status.Kind == FileKind.BlockDevice)
        {
            return new VolumeStats(null, volume.CapacityBytes, health is not null, health ?? "healthy");
        }

        var mounted = MountAt(volumePath);
        if (mounted is null || !IsDevice(mounted, volume))
        {
            return new VolumeStats(null, null, true, $"volume {volumeId} is not mounted at {volumePath}");
        }

        return new VolumeStats(_fs.GetStats(volumePath), null, health is not null, health ?? "healthy");
    }

    private async Task<ManagedVolume> ActiveVolumeAsync(VolumeId id, CancellationToken cancellationToken)
    {
        var volume = await _engine.Catalog.FindAsync(id, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id.ToString());
        if (volume.Lv.IsActive)
        {
            return volume;
        }

        await _lvm.ActivateVolumeAsync(id.VolumeGroup, id.LogicalVolume, cancellationToken).ConfigureAwait(false);
        return await _engine.Catalog.FindAsync(id, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id.ToString());
    }

    private async Task PublishBlockAsync(PublishSpec spec, ManagedVolume volume, CancellationToken cancellationToken)
    {
        var existing = FileStatus.Lstat(spec.TargetPath);
        if (existing.Exists && MountAt(spec.TargetPath) is not null)
        {
            if (!IsDeviceNode(spec.TargetPath, volume))
            {
                throw new VolumeException(VolumeError.AlreadyExists, $"{spec.TargetPath} already has something else mounted, not volume {spec.VolumeId}");
            }

            return;
        }

        if (existing.Exists && existing.Kind != FileKind.Regular)
        {
            throw new VolumeException(VolumeError.AlreadyExists, $"{spec.TargetPath} exists and is a {existing.Kind}, not a file a block device can be bound onto");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(spec.TargetPath)!);
        if (!existing.Exists)
        {
            await using (File.Create(spec.TargetPath).ConfigureAwait(false))
            {
            }
        }

        await _fs.BindMountAsync(volume.DevicePath, spec.TargetPath, spec.ReadOnly, [], cancellationToken).ConfigureAwait(false);
        Log.Published(_logger, spec.VolumeId, spec.TargetPath, spec.ReadOnly);
    }

    private async Task<Capacity.VolumeGroupSpace> FreshSpaceAsync(string volumeGroup, CancellationToken cancellationToken)
    {
        var group = await _lvm.GetVolumeGroupAsync(volumeGroup, cancellationToken).ConfigureAwait(false)
            ?? throw new VolumeException(VolumeError.NotFound, $"volume group {volumeGroup} does not exist");
        var pvs = await _lvm.ListPhysicalVolumesAsync(volumeGroup, cancellationToken).ConfigureAwait(false);
        return new Capacity.VolumeGroupSpace(group, pvs);
    }

    private FileSystemType FilesystemFor(string? requested, ManagedVolume volume)
    {
        if (!string.IsNullOrEmpty(requested))
        {
            return FileSystemTypes.TryParse(requested, out var type)
                ? type
                : throw new VolumeException(VolumeError.InvalidArgument, $"filesystem '{requested}' is not supported (ext4, xfs, btrfs)");
        }

        return _engine.Classes.TryGet(volume.Metadata.DeviceClass, out var deviceClass) ? deviceClass.FsType : FileSystemType.Ext4;
    }

    private MountEntry? MountAt(string path) => MountInfo.FindMountPoint(_fs.ReadMounts(), path);

    /// <summary>
    /// Whether the mount's device is the volume's LV, compared by device number: the one mountinfo
    /// reports, or else the one of the device node the mount's source names. btrfs reports an
    /// anonymous device number (0:N) for every mount, so only its source identifies the device.
    /// </summary>
    private static bool IsDevice(MountEntry mount, ManagedVolume volume) =>
        volume.Lv.KernelMajor is { } major && volume.Lv.KernelMinor is { } minor
        && ((mount.DeviceMajor == (uint)major && mount.DeviceMinor == (uint)minor) || SourceIsDevice(mount.Source, major, minor));

    private static bool SourceIsDevice(string source, int major, int minor)
    {
        if (!source.StartsWith('/'))
        {
            return false;
        }

        try
        {
            return FileStatus.StatFollow(source) is { Kind: FileKind.BlockDevice } device
                && device.DeviceMajor == (uint)major && device.DeviceMinor == (uint)minor;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Whether a file is (a bind of) the volume's device node.</summary>
    private static bool IsDeviceNode(string path, ManagedVolume volume) =>
        FileStatus.StatFollow(path) is { Kind: FileKind.BlockDevice } s
        && volume.Lv.KernelMajor == (int)s.DeviceMajor && volume.Lv.KernelMinor == (int)s.DeviceMinor;

    /// <summary>Whether a path is still a mount or device node of the LV's device-mapper device, though LVM no longer lists the LV.</summary>
    private bool StillServedFrom(VolumeId id, string path, FileStatus status)
    {
        if (status.Kind == FileKind.BlockDevice)
        {
            return DeviceMapperName(status.DeviceMajor, status.DeviceMinor) == DeviceMapperName(id);
        }

        return MountAt(path) is { } mount
            && (MayBeDevice(mount, id) || DeviceMapperName(mount.DeviceMajor, mount.DeviceMinor) == DeviceMapperName(id));
    }

    /// <summary>The device-mapper name LVM gives an LV: VG and LV joined by '-', each '-' inside them doubled.</summary>
    private static string DeviceMapperName(VolumeId id) =>
        $"{id.VolumeGroup.Replace("-", "--", StringComparison.Ordinal)}-{id.LogicalVolume.Replace("-", "--", StringComparison.Ordinal)}";

    /// <summary>The device-mapper name of a block device number, or null if it is not a device-mapper device.</summary>
    private static string? DeviceMapperName(uint major, uint minor)
    {
        try
        {
            return File.ReadAllText($"/sys/dev/block/{major}:{minor}/dm/name").Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>When the LV is gone, the best remaining evidence is the mount source's device-mapper name.</summary>
    private static bool MayBeDevice(MountEntry mount, VolumeId id) =>
        mount.Source == $"/dev/mapper/{DeviceMapperName(id)}"
        || mount.Source == $"/dev/{id.VolumeGroup}/{id.LogicalVolume}";

    private static VolumeId ParseId(string volumeId) =>
        VolumeId.TryParse(volumeId, out var id) ? id : throw NotFound(volumeId);

    private static VolumeException NotFound(string volumeId) =>
        new(VolumeError.NotFound, $"volume {volumeId} does not exist on this node");

    private void TryRemove(Action remove, string path)
    {
        try
        {
            remove();
        }
        catch (IOException ex)
        {
            Log.LeftInPlace(_logger, path, ex.Message);
        }
    }

    private static partial class Log
    {
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
