using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Platform.Exec;
using Stratum.Volumes.Capacity;
using Stratum.Volumes.Filesystems;
using Stratum.Volumes.Locking;
using Stratum.Volumes.Metadata;
using Stratum.Volumes.Naming;
using Stratum.Volumes.Snapshots;
using Stratum.Volumes.Thin;

namespace Stratum.Volumes;

/// <summary>
/// The controller side of the engine: creates, deletes, finds and lists volumes, and answers
/// capacity. Knows nothing of gRPC; every failure leaves it as a <see cref="VolumeException"/>
/// (see <see cref="VolumeErrors"/>) that the CSI layer maps to a status code in one place.
/// </summary>
/// <remarks>
/// <para><b>Changes run to completion.</b> Once CreateVolume or DeleteVolume starts changing LVM,
/// the caller's cancellation no longer reaches it: every further step runs to its end (each
/// command bounded by its own timeout), with the per-volume lock held, so a retry meanwhile gets
/// ABORTED and afterwards finds the finished state.</para>
/// <para><b>A volume is created in two commands.</b> lvcreate (with <c>--wipesignatures y --zero y</c>)
/// tags the new LV <c>stratum/state=creating</c>; only when it has succeeded does one lvchange swap
/// that for <c>stratum/state=ready</c>. An LV of Stratum's that is not ready (an lvcreate killed by a
/// crash or its timeout before it wiped the LV may have left the previous owner's data on it) is
/// never served: a CreateVolume retry removes and recreates it. A thick volume made from nothing is
/// answered as soon as its lvcreate has succeeded, read from its device in sysfs; the lvchange and
/// the report follow in the background, and an id names a complete volume even if the plugin died
/// before they ran (see <see cref="VolumeCatalog"/>).</para>
/// <para><b>Deletion</b> first tags the LV <c>stratum/state=deleting</c> (from then on it is never
/// served), then discards its blocks where the device supports it and the class asks for it, then
/// removes it. A crash or timeout anywhere in between leaves an LV a DeleteVolume retry finishes.</para>
/// <para><b>LVM commands per call</b>: CreateVolume 3 (lvcreate, lvchange, one report that also
/// refreshes the capacity and the catalog), of which it waits for the lvcreate alone when the new
/// device is readable in sysfs; a retry of a volume that exists 1; DeleteVolume 2
/// (lvchange, lvremove; the capacity follows without a command).</para>
/// </remarks>
public sealed partial class VolumeEngine
{
    private readonly ILvm _lvm;
    private readonly Func<DeviceClassManager> _classes;
    private readonly VolumeCatalog _catalog;
    private readonly CapacityCache _capacity;
    private readonly VolumeLocks _locks;
    private readonly VolumeEngineOptions _options;
    private readonly ILogger _logger;

    /// <param name="lvm">LVM.</param>
    /// <param name="catalog">The volumes this process knows of (shared with <see cref="NodeVolumes"/>).</param>
    /// <param name="classes">The current device classes (a function, so a reload can swap them).</param>
    /// <param name="capacity">Free space (its refreshes also bring <paramref name="catalog"/> up to date).</param>
    /// <param name="locks">Per-volume locks (shared with <see cref="NodeVolumes"/>).</param>
    /// <param name="filesystem">Block-device operations (discarding a deleted volume's blocks); null: no discard.</param>
    /// <param name="options">Node settings.</param>
    /// <param name="logger">Logger.</param>
    public VolumeEngine(
        ILvm lvm, VolumeCatalog catalog, Func<DeviceClassManager> classes, CapacityCache capacity, VolumeLocks locks,
        IFilesystemOps? filesystem, VolumeEngineOptions options, ILogger<VolumeEngine> logger)
    {
        _lvm = lvm;
        _catalog = catalog;
        _classes = classes;
        _capacity = capacity;
        _locks = locks;
        Filesystem = filesystem;
        _options = options;
        _logger = logger;
        capacity.Catalog ??= catalog;
        Thin = new ThinPools(lvm, capacity, options.NodeId, logger);
        Snapshots = new SnapshotEngine(lvm, this, options.NodeId, TimeProvider.System, logger);
        capacity.AfterPeriodicRefresh ??= ct => Thin.MaintainAsync(Classes, ct);
    }

    /// <summary>The node's snapshots.</summary>
    public SnapshotEngine Snapshots { get; }

    /// <summary>The thin pools of the node's thin classes.</summary>
    public ThinPools Thin { get; }

    /// <summary>
    /// The composition the hosting used before <see cref="NodeEngine"/> existed: a catalog of its
    /// own, no discard until a <see cref="NodeVolumes"/> built over this engine supplies the
    /// filesystem operations. Kept until Csi/Hosting composes through <see cref="NodeEngine"/>.
    /// </summary>
    public VolumeEngine(ILvm lvm, Func<DeviceClassManager> classes, CapacityCache capacity, VolumeLocks locks, VolumeEngineOptions options, ILogger<VolumeEngine> logger)
        : this(lvm, capacity.Catalog ?? new VolumeCatalog(lvm), classes, capacity, locks, null, options, logger)
    {
    }

    public VolumeCatalog Catalog => _catalog;

    public DeviceClassManager Classes => _classes();

    internal Func<DeviceClassManager> ClassesProvider => _classes;

    internal VolumeLocks Locks => _locks;

    internal CapacityCache Capacity => _capacity;

    internal IFilesystemOps? Filesystem { get; set; }

    /// <summary>
    /// Brings the node's volumes back after a restart: rediscovers Stratum's volumes from their
    /// tags, activates the ready ones that are inactive (only those: LVs Stratum does not own are
    /// never touched, not even activated), reports the ones an interrupted create or delete left
    /// behind, and fills the capacity cache. One LVM command on the usual node (the report that
    /// fills the capacity cache also lists the VGs and Stratum's LVs); a second report only when
    /// something was activated or resumed, so the cache shows their new state.
    /// </summary>
    public Task<IReadOnlyList<ManagedVolume>> StartAsync(CancellationToken cancellationToken) => VolumeErrors.Run(async () =>
    {
        var report = await _lvm.ReportAsync(null, null, cancellationToken).ConfigureAwait(false);
        var present = report.VolumeGroups.Select(g => g.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var group in Classes.VolumeGroups.Where(g => !present.Contains(g)))
        {
            Log.VolumeGroupMissing(_logger, group, _options.NodeId);
        }

        // The report lists every LV (thin capacity needs others' thin LVs, the inventory all of them).
        ImmutableArray<LogicalVolume> lvs = [.. report.LogicalVolumes.Where(lv => lv.Tags.Contains(VolumeMetadata.OwnerTag))];
        var listed = lvs;
        lvs = await ResumeSuspendedAsync(lvs).ConfigureAwait(false);
        await _catalog.RefreshAsync(() => Task.FromResult(new LvmReport([], [], lvs)), null).ConfigureAwait(false);
        var all = _catalog.Known();
        foreach (var leftover in all.Where(v => !v.IsReady))
        {
            if (leftover.State == VolumeState.Creating)
            {
                Log.IncompleteFound(_logger, leftover.Id.ToString(), leftover.Metadata.CsiName);
            }
            else
            {
                Log.DeletionUnfinished(_logger, leftover.Id.ToString(), leftover.Metadata.CsiName);
            }
        }

        var volumes = all.Where(v => v.IsReady).ToList();
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

        if (activated > 0 || lvs != listed)
        {
            await _capacity.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _capacity.TakeFullReportAsync(report).ConfigureAwait(false);
        }

        await Thin.MaintainAsync(Classes, cancellationToken).ConfigureAwait(false);
        await Snapshots.ResumeAsync(lvs).ConfigureAwait(false);
        Log.Rediscovered(_logger, volumes.Count, activated, string.Join(", ", Classes.VolumeGroups));
        return (IReadOnlyList<ManagedVolume>)volumes;
    });

    /// <summary>
    /// Resumes Stratum's LVs whose device a killed LVM command left suspended (an lvextend or a
    /// snapshot's lvcreate suspends the device, and the filesystem on it, for a moment; killed
    /// there, with the plugin, it leaves every IO to the volume blocked for good). The listing was
    /// read under the VG's lock, so no LVM command was half-way through then: a suspended device
    /// seen in it is a leftover. <c>lvchange --refresh</c> reloads the table from LVM's committed
    /// metadata (the old or the new size, whichever the killed command committed) and resumes.
    /// Costs no command when nothing is suspended. Returns the listing with the resumed LVs'
    /// state as it now is.
    /// </summary>
    private async Task<ImmutableArray<LogicalVolume>> ResumeSuspendedAsync(ImmutableArray<LogicalVolume> lvs)
    {
        var suspended = lvs.Where(lv => lv.IsSuspended).ToList();
        if (suspended.Count == 0)
        {
            return lvs;
        }

        var resumed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var lv in suspended)
        {
            try
            {
                // A mutation: it runs to its end, whatever happens to the start-up meanwhile.
                await _lvm.RefreshVolumeAsync(lv.VolumeGroup, lv.Name, CancellationToken.None).ConfigureAwait(false);
                resumed.Add(lv.FullName);
                Log.SuspendedResumed(_logger, lv.FullName, lv.Attributes);
            }
            catch (LvmException ex)
            {
                Log.SuspendedNotResumed(_logger, lv.FullName, ex.Message);
            }
        }

        return resumed.Count == 0
            ? lvs
            : [.. lvs.Select(lv => resumed.Contains(lv.FullName) ? lv with { Attributes = string.Concat(lv.Attributes.AsSpan(0, 4), "a", lv.Attributes.AsSpan(5)) } : lv)];
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
    public Task<ManagedVolume> CreateAsync(CreateVolumeSpec spec, CancellationToken cancellationToken) => VolumeErrors.Run(async () =>
    {
        var deviceClass = ResolveClass(spec.DeviceClass);
        var lvName = LogicalVolumeNaming.ForCsiName(spec.Name);
        using var held = _locks.Acquire(lvName, "CreateVolume");

        if (await ExistingAsync(spec.Name, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return Compatible(existing, spec, deviceClass);
        }

        var space = await SpaceAsync(deviceClass, cancellationToken).ConfigureAwait(false);
        var size = Size(spec, space, deviceClass);
        var source = spec.Source is null ? null : await ResolveSourceAsync(spec.Source, deviceClass, cancellationToken).ConfigureAwait(false);
        var encryption = spec.Encryption;
        if (source is not null)
        {
            size = SizeFor(source, spec, size, space, deviceClass);
            encryption = EncryptionFor(source, spec);
        }

        var metadata = new VolumeMetadata
        {
            Source = spec.Source?.ToString(),
            CsiName = spec.Name,
            DeviceClass = deviceClass.Name,
            RequestedBytes = spec.RequiredBytes,
            Node = _options.NodeId,
            State = VolumeState.Creating,
            PvcNamespace = spec.PvcNamespace,
            PvcName = spec.PvcName,
            PvName = spec.PvName,
            Encryption = encryption,
            IoLimits = spec.IoLimits,
        };
        if (deviceClass.Thin is { } thin)
        {
            // The pool's room is decided and taken under one gate: two volumes never both get the last of it.
            using var entered = await Thin.EnterAsync(cancellationToken).ConfigureAwait(false);
            await Thin.ReserveAsync(deviceClass, size, cancellationToken).ConfigureAwait(false);
            var thinRequest = new CreateThinVolumeRequest
            {
                VolumeGroup = deviceClass.VolumeGroup,
                Pool = thin.Pool,
                Name = lvName,
                SizeBytes = size,
                Tags = metadata.ToTags(),
                ExtraOptions = deviceClass.LvCreate.ExtraOptions,
            };
            var thinVolume = await CommitCreateAsync(
                new NewLv(thinRequest.VolumeGroup, lvName, source is null ? none => _lvm.CreateThinVolumeAsync(thinRequest, none) : none => FillThinAsync(thinRequest, source)),
                spec, deviceClass).ConfigureAwait(false);
            Log.Created(_logger, spec.Name, thinVolume.Id.ToString(), thinVolume.CapacityBytes, deviceClass.Name);
            return thinVolume;
        }

        var footprint = space.Footprint(size, deviceClass.LvCreate);
        var usable = space.Group.FreeBytes - deviceClass.SpareBytes;
        if (footprint > usable)
        {
            throw new VolumeException(VolumeError.NoSpace,
                $"device class '{deviceClass.Name}' on node {_options.NodeId}: the volume needs {footprint} bytes of volume group {deviceClass.VolumeGroup}, " +
                $"which has {space.Group.FreeBytes} bytes free of which {deviceClass.SpareBytes} are kept spare");
        }

        var layout = deviceClass.LvCreate;
        var request = new CreateVolumeRequest
        {
            VolumeGroup = deviceClass.VolumeGroup,
            Name = lvName,
            SizeBytes = size,
            Tags = metadata.ToTags(),
            Stripes = layout.Type == LvType.Striped ? layout.Stripes : null,
            StripeSizeBytes = layout.Type == LvType.Striped ? layout.StripeSizeBytes : null,
            Mirrors = layout.Type == LvType.Raid1 ? layout.Mirrors ?? 1 : null,
            ExtraOptions = layout.ExtraOptions,
        };

        // From here on LVM changes: every step runs to its end whatever the caller does.
        var volume = await CommitCreateAsync(
            new NewLv(request.VolumeGroup, request.Name, source is null ? none => _lvm.CreateVolumeWithoutReadBackAsync(request, none) : none => FillThickAsync(request, source)),
            spec, deviceClass, source is null ? new KernelReadBack(request, footprint, layout, metadata) : null).ConfigureAwait(false);
        Log.Created(_logger, spec.Name, volume.Id.ToString(), volume.CapacityBytes, deviceClass.Name);
        return volume;
    });

    /// <summary>
    /// Deletes the volume <paramref name="volumeId"/> names. Succeeds when it is already gone
    /// (including when the name now belongs to a different LV). Never removes an LV without
    /// Stratum's owner tag, an LV in use, or one other LVs depend on.
    /// </summary>
    public Task DeleteAsync(string volumeId, CancellationToken cancellationToken) => VolumeErrors.Run(async () =>
    {
        if (!VolumeId.TryParse(volumeId, out var id))
        {
            Log.DeleteUnknownId(_logger, volumeId);
            return; // no volume could ever have had this id
        }

        using var held = _locks.Acquire(id.LogicalVolume, "DeleteVolume");
        await _catalog.WhenCompletedAsync(id.VolumeGroup, id.LogicalVolume).WaitAsync(cancellationToken).ConfigureAwait(false);
        var volume = _catalog.Known(id);
        if (volume is null)
        {
            // Not known to this process: ask LVM (a volume of a VG that appeared late, or one already gone).
            var lv = await _lvm.GetLogicalVolumeAsync(id.VolumeGroup, id.LogicalVolume, cancellationToken).ConfigureAwait(false);
            if (lv is null || lv.Uuid != id.Uuid)
            {
                Log.AlreadyGone(_logger, volumeId);
                return;
            }

            volume = ManagedVolume.From(lv) ?? throw new VolumeException(VolumeError.FailedPrecondition,
                $"{lv.FullName} has the volume's UUID but not Stratum's owner tag (or its tags are damaged); refusing to remove an LV Stratum does not own");
        }

        // A thick snapshot still being copied from the volume holds a point in time on it, and the
        // snapshot must outlive the volume: the delete waits for the copy (a caller that gives up
        // leaves the volume as it is, for its retry).
        var copies = Snapshots.WhenCopiesFromAsync(volume.Id);
        if (!copies.IsCompleted)
        {
            Log.DeleteWaitsForCopy(_logger, volumeId);
            await copies.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        // From here on LVM changes: every step runs to its end whatever the caller does.
        try
        {
            if (volume.State != VolumeState.Deleting)
            {
                volume = await MarkDeletingAsync(volume).ConfigureAwait(false);
                if (volume is null)
                {
                    Log.AlreadyGone(_logger, volumeId);
                    return;
                }
            }

            await FinishDeletionAsync(volume).ConfigureAwait(false);
        }
        catch (LvmNotFoundException)
        {
            _catalog.Forget(id.VolumeGroup, id.LogicalVolume);
            Log.AlreadyGone(_logger, volumeId);
            return;
        }

        Log.Deleted(_logger, volumeId);
    });

    /// <summary>The ready volume with this id, read from LVM, or null.</summary>
    public Task<ManagedVolume?> GetAsync(string volumeId, CancellationToken cancellationToken) =>
        VolumeErrors.Run(() => _catalog.FindAsync(volumeId, cancellationToken));

    /// <summary>
    /// The condition of one volume: LVM's view, and the device's own (its table and a bounded read;
    /// see <see cref="VolumeHealth"/>) where the engine has the host's filesystem layer.
    /// </summary>
    public Task<VolumeHealthReport> ConditionAsync(ManagedVolume volume, CancellationToken cancellationToken) =>
        Filesystem is { } filesystem
            ? VolumeErrors.Run(() => VolumeHealth.CheckAsync(volume, filesystem, cancellationToken))
            : Task.FromResult(VolumeHealth.FromLvm(volume));

    /// <summary>Every ready volume Stratum owns on this node, read from LVM, in a stable order.</summary>
    public Task<IReadOnlyList<ManagedVolume>> ListAsync(CancellationToken cancellationToken) =>
        VolumeErrors.Run(() => _catalog.ListAsync(cancellationToken));

    /// <summary>Takes the per-volume lock or fails with <see cref="VolumeError.Busy"/>.</summary>
    public VolumeLocks.Handle Lock(string lvName, string operation) => _locks.Acquire(lvName, operation);

    /// <summary>The space of a class's VG (see <see cref="CapacityCache.SpaceAsync"/>).</summary>
    private Task<VolumeGroupSpace> SpaceAsync(DeviceClass deviceClass, CancellationToken cancellationToken) =>
        _capacity.SpaceAsync(deviceClass.VolumeGroup, $"of device class '{deviceClass.Name}' (node {_options.NodeId})", cancellationToken);

    /// <summary>
    /// The ready volume called <paramref name="csiName"/>, when this process knows of one (checked
    /// with LVM: one command). A leftover of an interrupted create or delete of that name is removed
    /// on the way, so the caller creates the volume anew.
    /// </summary>
    private async Task<ManagedVolume?> ExistingAsync(string csiName, CancellationToken cancellationToken)
    {
        var known = _catalog.FindKnownByName(csiName);
        if (known.Count == 0)
        {
            return null; // this process knows every LV of Stratum's on the node; lvcreate settles the rest
        }

        foreach (var volume in known)
        {
            await _catalog.WhenCompletedAsync(volume.VolumeGroup, volume.LvName).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var matches = (await _lvm.FindLogicalVolumesByTagAsync(VolumeMetadata.NameTag(csiName), cancellationToken).ConfigureAwait(false))
            .Select(ManagedVolume.From)
            .OfType<ManagedVolume>()
            .Where(v => v.Metadata.CsiName == csiName)
            .ToList();
        foreach (var gone in _catalog.FindKnownByName(csiName).Where(k => !matches.Any(m => m.Id == k.Id)))
        {
            _catalog.Forget(gone.Lv.VolumeGroup, gone.Lv.Name);
        }

        switch (matches.Count)
        {
            case 0:
                return null;
            case > 1:
                throw new VolumeException(VolumeError.Internal,
                    $"volume '{csiName}' exists {matches.Count} times ({string.Join(", ", matches.Select(m => m.Lv.FullName))}); resolve by hand");
        }

        var found = matches[0];
        _catalog.Set(found);
        if (found.IsReady)
        {
            return found;
        }

        // Created by this process, whose lvcreate finished, but its marking failed: complete, not a leftover.
        if (found.State == VolumeState.Creating && _catalog.WasCreatedHere(found.Lv.Uuid)
            && await _catalog.MarkReadyAsync(found).ConfigureAwait(false))
        {
            var ready = found with { Lv = found.Lv with { Tags = TagSet.From(found.Lv.Tags.Where(t => t != VolumeMetadata.CreatingTag).Append(VolumeMetadata.ReadyTag)) }, Metadata = found.Metadata with { State = VolumeState.Ready } };
            _catalog.Set(ready);
            return ready;
        }

        // What an interrupted create or delete left: never served. Finish removing it (a change:
        // it runs to its end), then the volume is created anew.
        Log.RemovingLeftover(_logger, found.Id.ToString(), found.State.ToString(), csiName);
        await FinishDeletionAsync(found).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// lvcreate (tagged creating), then the lvchange that marks it ready, then one report: three
    /// commands. With <paramref name="readBack"/> (a thick volume made from nothing) and the new
    /// LV's device readable in sysfs, only the lvcreate is waited for: the volume is read from the
    /// kernel and returned, and the other two commands run in the background (see
    /// <see cref="VolumeCatalog"/>'s remarks).
    /// </summary>
    private async Task<ManagedVolume> CommitCreateAsync(NewLv request, CreateVolumeSpec spec, DeviceClass deviceClass, KernelReadBack? readBack = null)
    {
        var none = CancellationToken.None;
        try
        {
            await request.Create(none).ConfigureAwait(false);
        }
        catch (LvmAlreadyExistsException ex)
        {
            // LVM has an LV of that name this process did not know of.
            var lv = await _lvm.GetLogicalVolumeAsync(request.VolumeGroup, request.Name, none).ConfigureAwait(false);
            var other = lv is null ? null : ManagedVolume.From(lv);
            if (other is null || other.Metadata.CsiName != spec.Name)
            {
                throw new VolumeException(VolumeError.AlreadyExists,
                    $"volume group {request.VolumeGroup} already has an LV named {request.Name} that is not volume '{spec.Name}'; Stratum never touches LVs it did not create", ex);
            }

            _catalog.Set(other);
            if (other.IsReady)
            {
                return Compatible(other, spec, deviceClass);
            }

            Log.RemovingLeftover(_logger, other.Id.ToString(), other.State.ToString(), spec.Name);
            await FinishDeletionAsync(other).ConfigureAwait(false);
            await request.Create(none).ConfigureAwait(false);
        }
        catch (LvmInsufficientSpaceException ex)
        {
            // The figures in memory were too kind (someone else took space): read them anew.
            await TryReportAsync(request.VolumeGroup).ConfigureAwait(false);
            throw new VolumeException(VolumeError.NoSpace, $"device class '{deviceClass.Name}' on node {_options.NodeId}: {ex.Message}", ex);
        }
        catch (LvmNotFoundException ex)
        {
            await TryReportAsync(request.VolumeGroup).ConfigureAwait(false);
            throw new VolumeException(VolumeError.NoSpace,
                $"volume group {request.VolumeGroup} of device class '{deviceClass.Name}' does not exist on node {_options.NodeId}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is LvmException or CommandException)
        {
            // An lvcreate that failed or was killed half-way (its timeout) may have left the LV
            // behind unwiped. Remove it now if that can be done; if not, it stays tagged creating
            // and the retry removes it.
            await TryRemoveIncompleteAsync(request, spec.Name).ConfigureAwait(false);
            throw;
        }

        // LVM has wiped the new LV: it is complete.
        if (readBack is not null && ReadFromKernel(readBack) is { } fresh)
        {
            _capacity.Adjust(request.VolumeGroup, -readBack.FootprintBytes);
            _catalog.Set(fresh);
            var marking = MarkReadyInBackgroundAsync(fresh);
            _catalog.Completing(fresh, marking, RefreshAfterAsync(marking, request.VolumeGroup));
            return fresh;
        }

        var completed = await _lvm.ChangeTagsIfAsync(
            request.VolumeGroup, request.Name,
            new LvCondition { Tags = [VolumeMetadata.OwnerTag, VolumeMetadata.NameTag(spec.Name), VolumeMetadata.CreatingTag] },
            [VolumeMetadata.ReadyTag], [VolumeMetadata.CreatingTag], none).ConfigureAwait(false);
        if (!completed)
        {
            throw new VolumeException(VolumeError.Internal,
                $"created {request.VolumeGroup}/{request.Name} but it no longer carried the tags it was created with when it was to be marked complete; it is not served");
        }

        var report = await _capacity.RefreshAsync(request.VolumeGroup, none).ConfigureAwait(false);
        var created = report.LogicalVolumes.FirstOrDefault(lv => lv.Name == request.Name)
            ?? throw new VolumeException(VolumeError.Internal, $"created {request.VolumeGroup}/{request.Name} but the report read afterwards does not show it");
        return ManagedVolume.From(created) is { IsReady: true } volume
            ? volume
            : throw new VolumeException(VolumeError.Internal, $"created {created.FullName} but its tags did not read back as a complete volume of Stratum's");
    }

    /// <summary>
    /// A thick LV just created, as the kernel shows its device (<c>/dev/vg/lv</c>: device-mapper
    /// name, UUID and size in sysfs; no command), with the tags it will carry once marked ready;
    /// null when the device cannot be read so (then LVM's report is read instead).
    /// </summary>
    private ManagedVolume? ReadFromKernel(KernelReadBack readBack)
    {
        var request = readBack.Request;
        var devicePath = $"/dev/{request.VolumeGroup}/{request.Name}";
        if (Filesystem?.ReadDeviceMapperDevice(devicePath) is not { } device
            || device.Name != DeviceMapperNames.Of(request.VolumeGroup, request.Name)
            || !LvmUuid.TryFromDeviceMapperUuid(device.Uuid, out var uuid)
            || device.Sectors * LvmValidation.SectorSize < request.SizeBytes)
        {
            Log.KernelReadBackUnavailable(_logger, $"{request.VolumeGroup}/{request.Name}");
            return null;
        }

        var layout = readBack.Layout;
        var metadata = readBack.Metadata with { State = VolumeState.Ready };
        var lv = new LogicalVolume
        {
            VolumeGroup = request.VolumeGroup,
            Name = request.Name,
            Uuid = uuid,
            SizeBytes = device.Sectors * LvmValidation.SectorSize,
            Attributes = layout.Type == LvType.Raid1 ? "rwi-a-r---" : "-wi-a-----",
            Tags = TagSet.From(metadata.ToTags()),
            Path = devicePath,
            DeviceMapperPath = $"/dev/mapper/{device.Name}",
            KernelMajor = (int)device.Device.Major,
            KernelMinor = (int)device.Device.Minor,
            Pool = null,
            Origin = null,
            DataPercent = null,
            MetadataPercent = null,
            SegmentType = layout.Type switch { LvType.Raid1 => "raid1", LvType.Striped => "striped", _ => "linear" },
            IsActive = true,
            Stripes = layout.Type switch { LvType.Raid1 => (layout.Mirrors ?? 1) + 1, LvType.Striped => layout.Stripes ?? 1, _ => 1 },
        };
        return new ManagedVolume(lv, metadata);
    }

    /// <summary>
    /// The lvchange that marks a created volume ready, after CreateVolume has answered; lookups of
    /// the volume wait for it. Never fails: a volume left tagged creating is marked ready by the
    /// first call that names its id.
    /// </summary>
    private async Task MarkReadyInBackgroundAsync(ManagedVolume volume)
    {
        await Task.Yield(); // the caller registers this task before it runs
        try
        {
            if (!await _catalog.MarkReadyAsync(volume).ConfigureAwait(false))
            {
                Log.CompletionRefused(_logger, volume.Id.ToString());
            }
        }
        catch (Exception ex)
        {
            // Nobody awaits this task for its outcome; the volume stays tagged creating and is marked
            // by the first call that names its id.
            Log.CompletionFailed(_logger, volume.Id.ToString(), ex.Message);
        }
    }

    /// <summary>
    /// Once the marking is done, the report that brings the VG's figures and the catalog up to date,
    /// shared with other creations waiting for one (<see cref="CapacityCache.RefreshAfterChangeAsync"/>).
    /// Lookups of the volume do not wait for it (a call such as NodeStageVolume runs beside it); a
    /// report overtaken by a later change of the VG leaves that change's figures alone (see
    /// <see cref="CapacityCache"/>). Never fails.
    /// </summary>
    private async Task RefreshAfterAsync(Task marking, string volumeGroup)
    {
        await marking.ConfigureAwait(false);
        try
        {
            await _capacity.RefreshAfterChangeAsync(volumeGroup).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.RefreshAfterChangeFailed(_logger, ex.Message);
        }
    }

    /// <summary>Tags the volume deleting (unless it is open or other LVs depend on it); null when it turned out to be gone.</summary>
    private async Task<ManagedVolume?> MarkDeletingAsync(ManagedVolume volume)
    {
        var lv = volume.Lv;
        var marked = await _lvm.ChangeTagsIfAsync(
            lv.VolumeGroup, lv.Name,
            new LvCondition { Uuid = lv.Uuid, Tags = [VolumeMetadata.OwnerTag], WithoutDependents = true, NotOpen = true },
            [VolumeMetadata.DeletingTag], [VolumeMetadata.ReadyTag, VolumeMetadata.CreatingTag], CancellationToken.None).ConfigureAwait(false);
        if (!marked)
        {
            await ExplainRefusalAsync(volume).ConfigureAwait(false);
            return null;
        }

        var deleting = volume with { Metadata = volume.Metadata with { State = VolumeState.Deleting } };
        _catalog.Set(deleting);
        return deleting;
    }

    /// <summary>
    /// Discards a volume's blocks (when its class asks for it and the device supports it), then
    /// removes its LV, pinned by UUID and only if nothing depends on it; forgets it and gives its
    /// space back to the capacity figures.
    /// </summary>
    private async Task FinishDeletionAsync(ManagedVolume volume)
    {
        var lv = volume.Lv;
        var none = CancellationToken.None;
        var discard = Classes.TryGet(volume.Metadata.DeviceClass, out var deviceClass) ? deviceClass.DiscardOnDelete : true;
        if (discard && Filesystem is { } filesystem)
        {
            await DiscardAsync(filesystem, volume).ConfigureAwait(false);
        }

        bool removed;
        try
        {
            removed = await _lvm.RemoveVolumeIfAsync(lv.VolumeGroup, lv.Name, new LvCondition { Uuid = lv.Uuid, WithoutDependents = true }, none).ConfigureAwait(false);
        }
        catch (LvmInUseException ex)
        {
            throw new VolumeException(VolumeError.FailedPrecondition,
                $"volume {volume.Id} is in use (still staged or published, or held open by another device): {ex.Message}", ex);
        }

        if (!removed)
        {
            await ExplainRefusalAsync(volume).ConfigureAwait(false);
            return;
        }

        _catalog.Forget(lv.VolumeGroup, lv.Name);
        if (lv.IsThinVolume)
        {
            _capacity.ForgetThinVolume(lv.VolumeGroup, lv.Name);
        }
        else if (_capacity.Find(lv.VolumeGroup) is { } space)
        {
            _capacity.Adjust(lv.VolumeGroup, VolumeGroupSpace.Footprint(lv, space.ExtentBytes));
        }
    }

    /// <summary>Best effort: a deleted volume's data should not linger, but deletion never fails for it.</summary>
    private async Task DiscardAsync(IFilesystemOps filesystem, ManagedVolume volume)
    {
        var lv = volume.Lv;
        try
        {
            if (!lv.IsActive)
            {
                await _lvm.ActivateVolumeAsync(lv.VolumeGroup, lv.Name, CancellationToken.None).ConfigureAwait(false);
            }

            var outcome = await filesystem.DiscardAsync(volume.DevicePath, CancellationToken.None).ConfigureAwait(false);
            Log.Discarded(_logger, volume.Id.ToString(), outcome.ToString());
        }
        catch (Exception ex) when (ex is LvmException or FilesystemCommandException or IOException)
        {
            Log.DiscardFailed(_logger, volume.Id.ToString(), ex.Message);
        }
    }

    /// <summary>Why a guarded change did not apply: gone (fine, returns), or the reason as a <see cref="VolumeException"/>.</summary>
    private async Task ExplainRefusalAsync(ManagedVolume volume)
    {
        var lv = await _lvm.GetLogicalVolumeAsync(volume.Lv.VolumeGroup, volume.Lv.Name, CancellationToken.None).ConfigureAwait(false);
        if (lv is null || lv.Uuid != volume.Lv.Uuid)
        {
            _catalog.Forget(volume.Lv.VolumeGroup, volume.Lv.Name);
            return;
        }

        if (ManagedVolume.From(lv) is { } current)
        {
            _catalog.Set(current);
        }

        throw lv switch
        {
            { IsOpen: true } => new VolumeException(VolumeError.FailedPrecondition,
                $"volume {volume.Id} is in use (still staged or published, or held open by another device); it was left as it is"),
            { IsCowOrigin: true } or { IsThinPool: true } => new VolumeException(VolumeError.FailedPrecondition,
                $"volume {volume.Id} has snapshots or other LVs that depend on it, which LVM would remove with it; it was left as it is"),
            _ when !VolumeMetadata.IsOwned(lv) => new VolumeException(VolumeError.FailedPrecondition,
                $"{lv.FullName} no longer carries Stratum's owner tag; refusing to remove an LV Stratum does not own"),
            _ => new VolumeException(VolumeError.Internal, $"LVM left {lv.FullName} unchanged for no reason Stratum can see (attributes {lv.Attributes}, tags {string.Join(",", lv.Tags)})"),
        };
    }

    private async Task TryRemoveIncompleteAsync(NewLv request, string csiName)
    {
        try
        {
            await _lvm.RemoveVolumeIfAsync(
                request.VolumeGroup, request.Name,
                new LvCondition { Tags = [VolumeMetadata.OwnerTag, VolumeMetadata.NameTag(csiName), VolumeMetadata.CreatingTag], WithoutDependents = true },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is LvmException or CommandException)
        {
            if (ex is not LvmNotFoundException)
            {
                Log.LeftoverKept(_logger, $"{request.VolumeGroup}/{request.Name}", ex.Message);
            }
        }
    }

    private async Task TryReportAsync(string volumeGroup)
    {
        try
        {
            await _capacity.RefreshAsync(volumeGroup, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is LvmException or CommandException)
        {
            Log.RefreshAfterChangeFailed(_logger, ex.Message);
        }
    }

    private static ManagedVolume Compatible(ManagedVolume existing, CreateVolumeSpec spec, DeviceClass deviceClass)
    {
        if (existing.Metadata.Source != spec.Source?.ToString())
        {
            throw new VolumeException(VolumeError.AlreadyExists,
                $"volume '{spec.Name}' already exists with content source {existing.Metadata.Source ?? "(none)"}, not {spec.Source?.ToString() ?? "(none)"}");
        }

        if (existing.Metadata.DeviceClass != deviceClass.Name)
        {
            throw new VolumeException(VolumeError.AlreadyExists,
                $"volume '{spec.Name}' already exists in device class '{existing.Metadata.DeviceClass}', not '{deviceClass.Name}'");
        }

        // A restore or clone takes its source's encryption even when the request names none.
        if (existing.Metadata.Encryption != spec.Encryption && (spec.Encryption is not null || existing.Metadata.Source is null))
        {
            throw new VolumeException(VolumeError.AlreadyExists,
                $"volume '{spec.Name}' already exists {(existing.Metadata.Encryption is { } e ? $"encrypted ({e})" : "unencrypted")}, not as asked");
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
                : throw new VolumeException(VolumeError.InvalidArgument, $"filesystem '{name}' is not supported ({FileSystemTypes.Names})"))
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

    /// <summary>An LV to create: where, and the one lvcreate that makes it (tagged creating).</summary>
    private sealed record NewLv(string VolumeGroup, string Name, Func<CancellationToken, Task> Create);

    /// <summary>What a thick volume made from nothing is read back from the kernel with: its request, the VG bytes it takes, its layout and metadata.</summary>
    private sealed record KernelReadBack(CreateVolumeRequest Request, long FootprintBytes, LvCreateSettings Layout, VolumeMetadata Metadata);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Created volume {Name} as {VolumeId} ({SizeBytes} bytes, device class {DeviceClass})")]
        public static partial void Created(ILogger logger, string name, string volumeId, long sizeBytes, string deviceClass);

        [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "Deleted volume {VolumeId}")]
        public static partial void Deleted(ILogger logger, string volumeId);

        [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "Volume {VolumeId} is already gone; nothing to delete")]
        public static partial void AlreadyGone(ILogger logger, string volumeId);

        [LoggerMessage(EventId = 3034, Level = LogLevel.Information, Message = "Volume {VolumeId} is the source of a thick snapshot still being copied; its deletion waits for the copy")]
        public static partial void DeleteWaitsForCopy(ILogger logger, string volumeId);

        [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "'{VolumeId}' is not a Stratum volume id; nothing to delete")]
        public static partial void DeleteUnknownId(ILogger logger, string volumeId);

        [LoggerMessage(EventId = 3014, Level = LogLevel.Warning, Message = "Volume group {VolumeGroup} is configured but does not exist on node {NodeId}; its device classes report no capacity")]
        public static partial void VolumeGroupMissing(ILogger logger, string volumeGroup, string nodeId);

        [LoggerMessage(EventId = 3015, Level = LogLevel.Information, Message = "Found {Count} existing Stratum volumes, activated {Activated} (volume groups: {VolumeGroups})")]
        public static partial void Rediscovered(ILogger logger, int count, int activated, string volumeGroups);

        [LoggerMessage(EventId = 3016, Level = LogLevel.Warning, Message = "Capacity refresh after a change failed (figures may lag until the next periodic refresh): {Reason}")]
        public static partial void RefreshAfterChangeFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 3017, Level = LogLevel.Error, Message = "Could not activate volume {VolumeId}; it stays unavailable until fixed: {Reason}")]
        public static partial void ActivationFailed(ILogger logger, string volumeId, string reason);

        [LoggerMessage(EventId = 3018, Level = LogLevel.Warning, Message = "Found {VolumeId} (volume {Name}) tagged creating: either a CreateVolume was interrupted before it finished (never served; a retry of CreateVolume removes and recreates it) or the plugin stopped before marking a created volume ready (the first call that names its id marks it)")]
        public static partial void IncompleteFound(ILogger logger, string volumeId, string name);

        [LoggerMessage(EventId = 3019, Level = LogLevel.Warning, Message = "Found {VolumeId} (volume {Name}) half-deleted: a DeleteVolume was interrupted. It is never served; a retry of DeleteVolume finishes it")]
        public static partial void DeletionUnfinished(ILogger logger, string volumeId, string name);

        [LoggerMessage(EventId = 3027, Level = LogLevel.Warning, Message = "Resumed {Lv} (lv_attr {Attributes}): an LVM command killed half-way, with an earlier run of the plugin, had left its device suspended, which blocks all IO to it")]
        public static partial void SuspendedResumed(ILogger logger, string lv, string attributes);

        [LoggerMessage(EventId = 3028, Level = LogLevel.Error, Message = "{Lv} is suspended (an LVM command was killed half-way) and could not be resumed; IO to it blocks until it is refreshed (lvchange --refresh): {Reason}")]
        public static partial void SuspendedNotResumed(ILogger logger, string lv, string reason);

        [LoggerMessage(EventId = 3030, Level = LogLevel.Information, Message = "Removing {VolumeId} ({State}), left behind by an interrupted operation on volume {Name}, before creating the volume anew")]
        public static partial void RemovingLeftover(ILogger logger, string volumeId, string state, string name);

        [LoggerMessage(EventId = 3031, Level = LogLevel.Warning, Message = "Could not remove {Lv}, which a failed lvcreate may have left; it is never served, and a retry removes it: {Reason}")]
        public static partial void LeftoverKept(ILogger logger, string lv, string reason);

        [LoggerMessage(EventId = 3032, Level = LogLevel.Information, Message = "Discarding the blocks of volume {VolumeId} before removing it: {Outcome}")]
        public static partial void Discarded(ILogger logger, string volumeId, string outcome);

        [LoggerMessage(EventId = 3035, Level = LogLevel.Debug, Message = "{Lv} cannot be read from sysfs; reading it back from LVM")]
        public static partial void KernelReadBackUnavailable(ILogger logger, string lv);

        [LoggerMessage(EventId = 3036, Level = LogLevel.Warning, Message = "Could not mark volume {VolumeId} ready after creating it; the first call that names it marks it: {Reason}")]
        public static partial void CompletionFailed(ILogger logger, string volumeId, string reason);

        [LoggerMessage(EventId = 3037, Level = LogLevel.Warning, Message = "Volume {VolumeId} no longer carried the tags it was created with when it was to be marked ready (deleted meanwhile?); left as it is")]
        public static partial void CompletionRefused(ILogger logger, string volumeId);

        [LoggerMessage(EventId = 3033, Level = LogLevel.Warning, Message = "Could not discard the blocks of volume {VolumeId}; it is removed all the same (new volumes are wiped at their start): {Reason}")]
        public static partial void DiscardFailed(ILogger logger, string volumeId, string reason);
    }
}
