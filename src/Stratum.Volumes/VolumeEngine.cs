using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Volumes.Capacity;
using Stratum.Volumes.Filesystems;
using Stratum.Volumes.Locking;
using Stratum.Volumes.Metadata;
using Stratum.Volumes.Naming;

namespace Stratum.Volumes;

/// <summary>
/// The controller side of the engine: creates, deletes, finds and lists volumes, and answers
/// capacity. Knows nothing of gRPC; failures are <see cref="VolumeException"/>s (or LVM errors
/// passed through) that the CSI layer maps to status codes in one place.
/// </summary>
public sealed partial class VolumeEngine
{
    private readonly ILvm _lvm;
    private readonly Func<DeviceClassManager> _classes;
    private readonly VolumeCatalog _catalog;
    private readonly CapacityCache _capacity;
    private readonly VolumeLocks _locks;
    private readonly VolumeEngineOptions _options;
    private readonly ILogger _logger;

    /// <param name="classes">The current device classes (a function, so a reload can swap them).</param>
    public VolumeEngine(ILvm lvm, Func<DeviceClassManager> classes, CapacityCache capacity, VolumeLocks locks, VolumeEngineOptions options, ILogger<VolumeEngine> logger)
    {
        _lvm = lvm;
        _classes = classes;
        _catalog = new VolumeCatalog(lvm);
        _capacity = capacity;
        _locks = locks;
        _options = options;
        _logger = logger;
    }

    public VolumeCatalog Catalog => _catalog;

    public DeviceClassManager Classes => _classes();

    /// <summary>
    /// Brings the node's volumes back after a restart: rediscovers Stratum's volumes from their
    /// tags, activates those that are inactive (only those: LVs Stratum does not own are never
    /// touched, not even activated), and fills the capacity cache.
    /// </summary>
    public async Task<IReadOnlyList<ManagedVolume>> StartAsync(CancellationToken cancellationToken)
    {
        var present = (await _lvm.ListVolumeGroupsAsync(cancellationToken).ConfigureAwait(false)).Select(g => g.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var group in Classes.VolumeGroups.Where(g => !present.Contains(g)))
        {
            Log.VolumeGroupMissing(_logger, group, _options.NodeId);
        }

        var volumes = await _catalog.ListAsync(cancellationToken).ConfigureAwait(false);
        var activated = 0;
        foreach (var volume in volumes.Where(v => !v.Lv.IsActive))
        {
            try
            {
                await _lvm.ActivateVolumeAsync(volume.Lv.VolumeGroup, volume.Lv.Name, cancellationToken).ConfigureAwait(false);
                activated++;
            }
            catch (LvmException ex)
            {
                // One broken volume (e.g. a missing PV) must not keep the node from serving the others.
                Log.ActivationFailed(_logger, volume.Id.ToString(), ex.Message);
            }
        }

        await _capacity.RefreshAsync(cancellationToken).ConfigureAwait(false);
        Log.Rediscovered(_logger, volumes.Count, activated, string.Join(", ", Classes.VolumeGroups));
        return volumes;
    }

    /// <summary>The device class a request names (null or empty: the default); NoSpace on a node configured to provision nothing.</summary>
    public DeviceClass ResolveClass(string? name)
    {
        var classes = Classes; // one snapshot for the whole lookup
        return classes.Find(name)
            ?? throw (classes.RefusalReason is { } refusal
                ? new VolumeException(VolumeError.NoSpace, refusal)
                : new VolumeException(VolumeError.InvalidArgument, $"device class '{name}' is not configured on node {_options.NodeId} (known: {string.Join(", ", classes.All.Select(c => c.Name))})"));
    }

    /// <summary>Capacity of a class, from memory.</summary>
    public ClassCapacity GetCapacity(DeviceClass deviceClass) => _capacity.CapacityFor(deviceClass);

    /// <summary>
    /// Creates the volume, or returns it when a volume of that name already exists and satisfies
    /// the request (CreateVolume is retried by its callers).
    /// </summary>
    public async Task<ManagedVolume> CreateAsync(CreateVolumeSpec spec, CancellationToken cancellationToken)
    {
        var deviceClass = ResolveClass(spec.DeviceClass);
        var lvName = LogicalVolumeNaming.ForCsiName(spec.Name);
        using var held = Lock(lvName, "CreateVolume");

        var existing = await FindByNameAsync(spec.Name, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return Compatible(existing, spec, deviceClass);
        }

        var space = await FreshSpaceAsync(deviceClass, cancellationToken).ConfigureAwait(false);
        var size = Size(spec, space, deviceClass);
        var footprint = space.Footprint(size, deviceClass.LvCreate);
        var usable = space.Group.FreeBytes - deviceClass.SpareBytes;
        if (footprint > usable)
        {
            throw new VolumeException(VolumeError.NoSpace,
                $"device class '{deviceClass.Name}' on node {_options.NodeId}: the volume needs {footprint} bytes of volume group {deviceClass.VolumeGroup}, " +
                $"which has {space.Group.FreeBytes} bytes free of which {deviceClass.SpareBytes} are kept spare");
        }

        var metadata = new VolumeMetadata
        {
            CsiName = spec.Name,
            DeviceClass = deviceClass.Name,
            RequestedBytes = spec.RequiredBytes,
            Node = _options.NodeId,
            PvcNamespace = spec.PvcNamespace,
            PvcName = spec.PvcName,
            PvName = spec.PvName,
        };
        var layout = deviceClass.LvCreate;
        LogicalVolume lv;
        try
        {
            lv = await _lvm.CreateVolumeAsync(
                new CreateVolumeRequest
                {
                    VolumeGroup = deviceClass.VolumeGroup,
                    Name = lvName,
                    SizeBytes = size,
                    Tags = metadata.ToTags(),
                    Stripes = layout.Type == LvType.Striped ? layout.Stripes : null,
                    StripeSizeBytes = layout.Type == LvType.Striped ? layout.StripeSizeBytes : null,
                    Mirrors = layout.Type == LvType.Raid1 ? layout.Mirrors ?? 1 : null,
                    ExtraOptions = layout.ExtraOptions,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (LvmAlreadyExistsException ex)
        {
            throw new VolumeException(VolumeError.AlreadyExists,
                $"volume group {deviceClass.VolumeGroup} already has an LV named {lvName} that is not volume '{spec.Name}'; Stratum never touches LVs it did not create", ex);
        }
        catch (LvmInsufficientSpaceException ex)
        {
            throw new VolumeException(VolumeError.NoSpace, $"device class '{deviceClass.Name}' on node {_options.NodeId}: {ex.Message}", ex);
        }
        finally
        {
            await RefreshCapacityAsync(cancellationToken).ConfigureAwait(false);
        }

        var volume = ManagedVolume.From(lv) ?? throw new VolumeException(VolumeError.Internal, $"created {lv.FullName} but its tags did not read back");
        Log.Created(_logger, spec.Name, volume.Id.ToString(), lv.SizeBytes, deviceClass.Name);
        return volume;
    }

    /// <summary>
    /// Deletes the volume <paramref name="volumeId"/> names. Succeeds when it is already gone
    /// (including when the name now belongs to a different LV). Never removes an LV without
    /// Stratum's owner tag.
    /// </summary>
    public async Task DeleteAsync(string volumeId, CancellationToken cancellationToken)
    {
        if (!VolumeId.TryParse(volumeId, out var id))
        {
            Log.DeleteUnknownId(_logger, volumeId);
            return; // no volume could ever have had this id
        }

        using var held = Lock(id.LogicalVolume, "DeleteVolume");
        var lv = await _lvm.GetLogicalVolumeAsync(id.VolumeGroup, id.LogicalVolume, cancellationToken).ConfigureAwait(false);
        if (lv is null || lv.Uuid != id.Uuid)
        {
            Log.AlreadyGone(_logger, volumeId);
            return;
        }

        if (!VolumeMetadata.IsOwned(lv))
        {
            throw new VolumeException(VolumeError.FailedPrecondition,
                $"{lv.FullName} has the volume's UUID but not Stratum's owner tag; refusing to remove an LV Stratum does not own");
        }

        try
        {
            await _lvm.RemoveVolumeAsync(id.VolumeGroup, id.LogicalVolume, cancellationToken).ConfigureAwait(false);
        }
        catch (LvmNotFoundException)
        {
            Log.AlreadyGone(_logger, volumeId);
            return;
        }
        catch (LvmInUseException ex)
        {
            throw new VolumeException(VolumeError.FailedPrecondition,
                $"volume {volumeId} is in use (still staged or published, or it has snapshots): {ex.Message}", ex);
        }
        finally
        {
            await RefreshCapacityAsync(cancellationToken).ConfigureAwait(false);
        }

        Log.Deleted(_logger, volumeId);
    }

    /// <summary>The volume with this id, or null.</summary>
    public Task<ManagedVolume?> GetAsync(string volumeId, CancellationToken cancellationToken) =>
        _catalog.FindAsync(volumeId, cancellationToken);

    /// <summary>Every volume Stratum owns on this node, in a stable order.</summary>
    public Task<IReadOnlyList<ManagedVolume>> ListAsync(CancellationToken cancellationToken) =>
        _catalog.ListAsync(cancellationToken);

    /// <summary>Takes the per-volume lock or fails with <see cref="VolumeError.Busy"/>.</summary>
    public VolumeLocks.Handle Lock(string lvName, string operation) =>
        _locks.TryAcquire(lvName, operation)
        ?? throw new VolumeException(VolumeError.Busy,
            $"{_locks.HolderOf(lvName) ?? "another operation"} is in progress on volume {lvName}; retry when it has finished");

    /// <summary>Re-reads free space; failures only leave the previous figures in place.</summary>
    public async Task RefreshCapacityAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _capacity.RefreshAsync(CancellationToken.None).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is LvmException or OperationCanceledException)
        {
            Log.RefreshAfterChangeFailed(_logger, ex.Message);
        }
    }

    private async Task<ManagedVolume?> FindByNameAsync(string csiName, CancellationToken cancellationToken)
    {
        var matches = (await _lvm.FindLogicalVolumesByTagAsync(VolumeMetadata.NameTag(csiName), cancellationToken).ConfigureAwait(false))
            .Select(ManagedVolume.From)
            .OfType<ManagedVolume>()
            .Where(v => v.Metadata.CsiName == csiName)
            .ToList();
        return matches.Count switch
        {
            0 => null,
            1 => matches[0],
            _ => throw new VolumeException(VolumeError.Internal,
                $"volume '{csiName}' exists {matches.Count} times ({string.Join(", ", matches.Select(m => m.Lv.FullName))}); resolve by hand"),
        };
    }

    private static ManagedVolume Compatible(ManagedVolume existing, CreateVolumeSpec spec, DeviceClass deviceClass)
    {
        if (existing.Metadata.DeviceClass != deviceClass.Name)
        {
            throw new VolumeException(VolumeError.AlreadyExists,
                $"volume '{spec.Name}' already exists in device class '{existing.Metadata.DeviceClass}', not '{deviceClass.Name}'");
        }

        if (existing.CapacityBytes < spec.RequiredBytes || (spec.LimitBytes > 0 && existing.CapacityBytes > spec.LimitBytes))
        {
            throw new VolumeException(VolumeError.AlreadyExists,
                $"volume '{spec.Name}' already exists with {existing.CapacityBytes} bytes, outside the requested range " +
                $"[{spec.RequiredBytes}, {(spec.LimitBytes > 0 ? spec.LimitBytes : "unlimited")}]");
        }

        return existing;
    }

    private long Size(CreateVolumeSpec spec, VolumeGroupSpace space, DeviceClass deviceClass)
    {
        var wanted = spec.RequiredBytes > 0 ? spec.RequiredBytes
            : spec.LimitBytes > 0 ? Math.Min(spec.LimitBytes, _options.DefaultVolumeBytes)
            : _options.DefaultVolumeBytes;
        var filesystems = spec.MountFilesystems
            .Select(name => string.IsNullOrEmpty(name) ? deviceClass.FsType
                : FileSystemTypes.TryParse(name, out var type) ? type
                : throw new VolumeException(VolumeError.InvalidArgument, $"filesystem '{name}' is not supported (ext4, xfs, btrfs)"))
            .ToList();
        var (minimum, needs) = filesystems.Count == 0 ? (0L, null)
            : filesystems.Select(f => (FileSystemLimits.MinimumBytes(f), (FileSystemType?)f)).MaxBy(m => m.Item1);
        if (minimum > wanted)
        {
            if (spec.LimitBytes > 0 && minimum > spec.LimitBytes)
            {
                throw new VolumeException(VolumeError.OutOfRange,
                    $"{needs!.Value.ToName()} needs at least {minimum} bytes, above the limit of {spec.LimitBytes}");
            }

            wanted = minimum; // a smaller volume could never be formatted
        }

        var size = space.RoundUp(wanted, deviceClass.LvCreate);
        if (spec.LimitBytes > 0 && size > spec.LimitBytes)
        {
            throw new VolumeException(VolumeError.OutOfRange,
                $"device class '{deviceClass.Name}' allocates in units of {space.AllocationUnit(deviceClass.LvCreate)} bytes: " +
                $"{wanted} bytes round up to {size}, above the limit of {spec.LimitBytes}");
        }

        return size;
    }

    /// <summary>Free space read now (not from the cache): creation must not trust stale figures.</summary>
    private async Task<VolumeGroupSpace> FreshSpaceAsync(DeviceClass deviceClass, CancellationToken cancellationToken)
    {
        var group = await _lvm.GetVolumeGroupAsync(deviceClass.VolumeGroup, cancellationToken).ConfigureAwait(false)
            ?? throw new VolumeException(VolumeError.NoSpace,
                $"volume group {deviceClass.VolumeGroup} of device class '{deviceClass.Name}' does not exist on node {_options.NodeId}");
        var pvs = await _lvm.ListPhysicalVolumesAsync(group.Name, cancellationToken).ConfigureAwait(false);
        return new VolumeGroupSpace(group, pvs);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Created volume {Name} as {VolumeId} ({SizeBytes} bytes, device class {DeviceClass})")]
        public static partial void Created(ILogger logger, string name, string volumeId, long sizeBytes, string deviceClass);

        [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "Deleted volume {VolumeId}")]
        public static partial void Deleted(ILogger logger, string volumeId);

        [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "Volume {VolumeId} is already gone; nothing to delete")]
        public static partial void AlreadyGone(ILogger logger, string volumeId);

        [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "'{VolumeId}' is not a Stratum volume id; nothing to delete")]
        public static partial void DeleteUnknownId(ILogger logger, string volumeId);

        [LoggerMessage(EventId = 3014, Level = LogLevel.Warning, Message = "Volume group {VolumeGroup} is configured but does not exist on node {NodeId}; its device classes report no capacity")]
        public static partial void VolumeGroupMissing(ILogger logger, string volumeGroup, string nodeId);

        [LoggerMessage(EventId = 3015, Level = LogLevel.Information, Message = "Found {Count} existing Stratum volumes, activated {Activated} (volume groups: {VolumeGroups})")]
        public static partial void Rediscovered(ILogger logger, int count, int activated, string volumeGroups);

        [LoggerMessage(EventId = 3017, Level = LogLevel.Error, Message = "Could not activate volume {VolumeId}; it stays unavailable until fixed: {Reason}")]
        public static partial void ActivationFailed(ILogger logger, string volumeId, string reason);

        [LoggerMessage(EventId = 3016, Level = LogLevel.Warning, Message = "Capacity refresh after a change failed (figures may lag until the next periodic refresh): {Reason}")]
        public static partial void RefreshAfterChangeFailed(ILogger logger, string reason);
    }
}
