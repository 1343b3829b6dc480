using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Lvm;
using Stratum.Platform.Exec;

namespace Stratum.Testing.Lvm;

/// <summary>
/// An in-memory <see cref="ILvm"/> that behaves like <see cref="LvmCli"/> over real LVM 2.03.16:
/// the same argument validation (before anything happens), the same not-found and null
/// conventions, the same exception types with LVM's own messages, extents allocated per PV
/// (linear spans PVs in order, stripes and raid1 images need distinct PVs, raid1 images carry one
/// rmeta extent each, thin pools carry tmeta plus a VG-wide pmspare), and the measured sizes and
/// <c>lv_attr</c> strings. Thread-safe: every operation runs under one lock, like LVM's VG lock.
/// </summary>
/// <remarks>
/// <para>Test controls: <see cref="FailNext"/>, <see cref="SetDelay"/>, <see cref="Hold"/>,
/// <see cref="GetCallCount"/>/<see cref="Calls"/>, and changes made behind Stratum's back through
/// <see cref="Admin"/> (an uncounted, uninstrumented <see cref="ILvm"/> view) and the model setters
/// (<see cref="SetHealthStatus"/>, <see cref="SetOpen"/>, <see cref="SetDataPercent"/>, ...).</para>
/// <para>With <see cref="LvmSimulatorOptions.BackingDirectory"/> set, LVs are backed by sparse
/// files on real loop devices (see there); <see cref="DisposeAsync"/> then detaches and deletes
/// everything.</para>
/// </remarks>
public sealed partial class LvmSimulator : ILvm, IAsyncDisposable
{
    private const long MiB = 1024 * 1024;

    /// <summary>Where LVM 2.03 puts the first extent on a PV (pe_start).</summary>
    private const long PeStartBytes = MiB;

    private const int DeviceMapperMajor = 253;
    private const string PoolMetadataSpareName = "lvol0_pmspare";
    private const long SnapshotChunkBytes = 4096;
    private const long DefaultThinChunkBytes = 64 * 1024;

    private const string LvFields = "lv_name,vg_name,lv_uuid,lv_size,lv_tags,lv_attr,lv_path,lv_dm_path,lv_kernel_major,lv_kernel_minor,pool_lv,origin,data_percent,metadata_percent,segtype,lv_active,stripes,lv_health_status";

    private const string UuidAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Lock _controlLock = new();
    private readonly LvmSimulatorOptions _options;
    private readonly LoopBacking? _backing;
    private readonly Dictionary<string, SimDevice> _devices = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, SimVg> _vgs = new(StringComparer.Ordinal);
    private readonly HashSet<int> _dmMinors = [];
    private readonly List<LvmCall> _calls = [];
    private readonly Dictionary<LvmOperation, Queue<Exception>> _failures = [];
    private readonly Dictionary<LvmOperation, TimeSpan> _delays = [];
    private readonly Dictionary<LvmOperation, LvmGate> _gates = [];
    private int _nextDevice;
    private bool _disposed;

    /// <summary>Creates an empty simulator (no devices, no VGs).</summary>
    public LvmSimulator(LvmSimulatorOptions? options = null)
    {
        _options = options ?? new LvmSimulatorOptions();
        if (_options.BackingDirectory is { } directory)
        {
            var runner = _options.CommandRunner
                ?? new CommandRunner(new CommandRunnerOptions(), NullLogger<CommandRunner>.Instance);
            _backing = new LoopBacking(Path.GetFullPath(directory), runner, _options.MountInfoPath);
        }

        Admin = new AdminView(this);
    }

    /// <summary>
    /// The same operations, acting "behind Stratum's back" (an administrator at the shell): not
    /// counted, never delayed, held or failed by the test controls. Validation and LVM's rules
    /// still apply.
    /// </summary>
    public ILvm Admin { get; }

    /// <summary>The extent size VGs get.</summary>
    public long ExtentSizeBytes => _options.ExtentSizeBytes;

    // ================================================================ setup

    /// <summary>Registers a block device that <c>pvcreate</c>/<c>vgcreate</c>/<c>vgextend</c> can use.</summary>
    /// <param name="path">Absolute device path, e.g. <c>/dev/vdb</c>.</param>
    /// <param name="sizeBytes">Device size.</param>
    /// <param name="signature">A filesystem signature on it (e.g. <c>ext4</c>): LVM refuses such a device.</param>
    public void AddDevice(string path, long sizeBytes, string? signature = null)
    {
        LvmValidation.ValidateDevicePath(path, nameof(path));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeBytes);
        using var _ = Lock();
        if (!_devices.TryAdd(path, new SimDevice(path, sizeBytes, signature)))
        {
            throw new ArgumentException($"device {path} is already registered", nameof(path));
        }
    }

    /// <summary>Registers a device with a generated path (<c>/dev/simN</c>) and returns the path.</summary>
    public string AddDevice(long sizeBytes, string? signature = null)
    {
        string path;
        lock (_controlLock)
        {
            path = $"/dev/sim{_nextDevice++}";
        }

        AddDevice(path, sizeBytes, signature);
        return path;
    }

    /// <summary>Puts a signature on a registered device (or wipes it with <c>null</c>).</summary>
    public void SetDeviceSignature(string path, string? signature)
    {
        using var _ = Lock();
        Device(path).Signature = signature;
    }

    /// <summary>Registers one device per size and creates a VG on them, uncounted (test setup).</summary>
    public async Task<VolumeGroup> AddVolumeGroupAsync(string name, IReadOnlyList<long> physicalVolumeSizes, IReadOnlyCollection<string>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(physicalVolumeSizes);
        var devices = physicalVolumeSizes.Select(size => AddDevice(size)).ToList();
        await Admin.CreateVolumeGroupAsync(name, devices, tags ?? [], cancellationToken).ConfigureAwait(false);
        return (await Admin.GetVolumeGroupAsync(name, cancellationToken).ConfigureAwait(false))!;
    }

    // ================================================================ test controls: calls

    /// <summary>Every instrumented call so far, in order.</summary>
    public IReadOnlyList<LvmCall> Calls
    {
        get
        {
            lock (_controlLock)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Number of instrumented calls of all operations.</summary>
    public int TotalCallCount
    {
        get
        {
            lock (_controlLock)
            {
                return _calls.Count;
            }
        }
    }

    /// <summary>How many times <paramref name="operation"/> was called (also calls that failed validation).</summary>
    public int GetCallCount(LvmOperation operation)
    {
        lock (_controlLock)
        {
            return _calls.Count(c => c.Operation == operation);
        }
    }

    /// <summary>Forgets the recorded calls.</summary>
    public void ResetCalls()
    {
        lock (_controlLock)
        {
            _calls.Clear();
        }
    }

    // ================================================================ test controls: faults, delays, gates

    /// <summary>
    /// Makes the next call of <paramref name="operation"/> throw <paramref name="exception"/> after
    /// validation (and after any delay or gate), changing nothing. Calls queue: two calls make the
    /// next two calls fail.
    /// </summary>
    public void FailNext(LvmOperation operation, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        lock (_controlLock)
        {
            if (!_failures.TryGetValue(operation, out var queue))
            {
                _failures[operation] = queue = new Queue<Exception>();
            }

            queue.Enqueue(exception);
        }
    }

    /// <summary>Number of injected failures not yet thrown.</summary>
    public int PendingFailures(LvmOperation operation)
    {
        lock (_controlLock)
        {
            return _failures.TryGetValue(operation, out var queue) ? queue.Count : 0;
        }
    }

    /// <summary>Delays every call of <paramref name="operation"/> (after validation); <see cref="TimeSpan.Zero"/> clears.</summary>
    public void SetDelay(LvmOperation operation, TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        lock (_controlLock)
        {
            if (delay == TimeSpan.Zero)
            {
                _delays.Remove(operation);
            }
            else
            {
                _delays[operation] = delay;
            }
        }
    }

    /// <summary>
    /// Holds every call of <paramref name="operation"/> (after validation, before any change) until
    /// the returned gate is released. <see cref="LvmGate.Entered"/> tells when a call arrived.
    /// </summary>
    public LvmGate Hold(LvmOperation operation)
    {
        lock (_controlLock)
        {
            if (_gates.ContainsKey(operation))
            {
                throw new InvalidOperationException($"{operation} is already held");
            }

            var gate = new LvmGate(operation, RemoveGate);
            _gates[operation] = gate;
            return gate;
        }
    }

    private void RemoveGate(LvmGate gate)
    {
        lock (_controlLock)
        {
            if (_gates.TryGetValue(gate.Operation, out var current) && ReferenceEquals(current, gate))
            {
                _gates.Remove(gate.Operation);
            }
        }
    }

    // ================================================================ test controls: the model

    /// <summary>Sets an LV's <c>lv_health_status</c> (e.g. <c>partial</c> for a degraded raid1); <c>null</c> clears.</summary>
    public void SetHealthStatus(string volumeGroup, string name, string? healthStatus)
    {
        using var _ = Lock();
        Lv(volumeGroup, name).HealthStatus = string.IsNullOrEmpty(healthStatus) ? null : healthStatus;
    }

    /// <summary>Leaves an active LV's device suspended, as an lvextend killed between its suspend and resume does.</summary>
    public void SetSuspended(string volumeGroup, string name)
    {
        using var _ = Lock();
        var lv = Lv(volumeGroup, name);
        lv.Suspended = lv.Active ? true : throw new InvalidOperationException($"{volumeGroup}/{name} is not active: only an active LV has a device to suspend");
    }

    /// <summary>Marks an LV as held open (by a process), so removing or deactivating it fails "in use".</summary>
    public void SetOpen(string volumeGroup, string name, bool open)
    {
        using var _ = Lock();
        Lv(volumeGroup, name).ForcedOpen = open;
    }

    /// <summary>
    /// Sets <c>data_percent</c> of an active thin pool, thin volume or COW snapshot (<c>null</c>
    /// restores the default 0). A pool at 100 % refuses new thin volumes and snapshots as LVM does.
    /// </summary>
    public void SetDataPercent(string volumeGroup, string name, double? percent)
    {
        using var _ = Lock();
        Lv(volumeGroup, name).DataPercent = percent;
    }

    /// <summary>Sets <c>metadata_percent</c> of a thin pool (<c>null</c> restores the default).</summary>
    public void SetMetadataPercent(string volumeGroup, string name, double? percent)
    {
        using var _ = Lock();
        Lv(volumeGroup, name).MetadataPercent = percent;
    }

    /// <summary>
    /// An administrator's <c>lvremove -f</c>: removes the LV together with everything depending on
    /// it (COW snapshots, a pool's thin volumes). Still fails if one of them is open.
    /// </summary>
    public async Task ForceRemoveVolumeAsync(string volumeGroup, string name)
    {
        using var _ = await LockAsync(CancellationToken.None).ConfigureAwait(false);
        var lv = Lv(volumeGroup, name);
        var doomed = lv.CowSnapshots.Concat(lv.ThinVolumes).Append(lv).ToList();
        var mounted = ReadMounted();
        foreach (var victim in doomed)
        {
            ThrowIfBusy(SimErrors.Argv("lvremove", "-f", victim.FullName), victim, mounted, countThinUsers: false);
        }

        foreach (var victim in doomed)
        {
            await RemoveLvAsync(victim).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// An administrator's <c>vgremove -f</c>: removes the VG with all its LVs; its PVs become
    /// orphans. Recreating it gives new UUIDs, like a disk that was wiped and set up again.
    /// </summary>
    public async Task RemoveVolumeGroupAsync(string name)
    {
        using var _ = await LockAsync(CancellationToken.None).ConfigureAwait(false);
        var vg = _vgs.GetValueOrDefault(name) ?? throw new ArgumentException($"no VG {name}", nameof(name));
        var mounted = ReadMounted();
        foreach (var lv in vg.Lvs.Values)
        {
            ThrowIfBusy(SimErrors.Argv("vgremove", "-f", name), lv, mounted, countThinUsers: false);
        }

        foreach (var lv in vg.Lvs.Values.ToList())
        {
            await RemoveLvAsync(lv).ConfigureAwait(false);
        }

        foreach (var pv in vg.Pvs)
        {
            pv.Vg = null;
            pv.ExtentCount = 0;
            pv.FreeExtents = 0;
        }

        _vgs.Remove(name);
    }

    // ================================================================ ILvm: reports

    /// <inheritdoc />
    public Task<ImmutableArray<PhysicalVolume>> ListPhysicalVolumesAsync(string? volumeGroup, CancellationToken cancellationToken) =>
        ListPhysicalVolumesCoreAsync(volumeGroup, true, cancellationToken);

    /// <inheritdoc />
    public Task<ImmutableArray<VolumeGroup>> ListVolumeGroupsAsync(CancellationToken cancellationToken) =>
        ListVolumeGroupsCoreAsync(true, cancellationToken);

    /// <inheritdoc />
    public Task<VolumeGroup?> GetVolumeGroupAsync(string name, CancellationToken cancellationToken) =>
        GetVolumeGroupCoreAsync(name, true, cancellationToken);

    /// <inheritdoc />
    public Task<ImmutableArray<LogicalVolume>> ListLogicalVolumesAsync(string volumeGroup, CancellationToken cancellationToken) =>
        ListLogicalVolumesCoreAsync(volumeGroup, true, cancellationToken);

    /// <inheritdoc />
    public Task<LogicalVolume?> GetLogicalVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
        GetLogicalVolumeCoreAsync(volumeGroup, name, true, cancellationToken);

    /// <inheritdoc />
    public Task<ImmutableArray<LogicalVolume>> FindLogicalVolumesByTagAsync(string tag, CancellationToken cancellationToken) =>
        FindLogicalVolumesByTagCoreAsync(tag, true, cancellationToken);

    /// <inheritdoc />
    public Task<LvmReport> ReportAsync(string? volumeGroup, string? logicalVolumeTag, CancellationToken cancellationToken) =>
        ReportCoreAsync(volumeGroup, logicalVolumeTag, true, cancellationToken);

    // ================================================================ ILvm: changes

    /// <inheritdoc />
    public Task CreateVolumeWithoutReadBackAsync(CreateVolumeRequest request, CancellationToken cancellationToken) =>
        CreateVolumeWithoutReadBackCoreAsync(request, true, cancellationToken);

    /// <inheritdoc />
    public Task<bool> ChangeTagsIfAsync(string volumeGroup, string name, LvCondition condition, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken) =>
        ChangeTagsIfCoreAsync(volumeGroup, name, condition, add, remove, true, cancellationToken);

    /// <inheritdoc />
    public Task<bool> RemoveVolumeIfAsync(string volumeGroup, string name, LvCondition condition, CancellationToken cancellationToken) =>
        RemoveVolumeIfCoreAsync(volumeGroup, name, condition, true, cancellationToken);

    /// <inheritdoc />
    public Task<LogicalVolume> CreateVolumeAsync(CreateVolumeRequest request, CancellationToken cancellationToken) =>
        CreateVolumeCoreAsync(request, true, cancellationToken);

    /// <inheritdoc />
    public Task<LogicalVolume> CreateThinPoolAsync(CreateThinPoolRequest request, CancellationToken cancellationToken) =>
        CreateThinPoolCoreAsync(request, true, cancellationToken);

    /// <inheritdoc />
    public Task<LogicalVolume> CreateThinVolumeAsync(CreateThinVolumeRequest request, CancellationToken cancellationToken) =>
        CreateThinVolumeCoreAsync(request, true, cancellationToken);

    /// <inheritdoc />
    public Task<LogicalVolume> CreateThinSnapshotAsync(CreateThinSnapshotRequest request, CancellationToken cancellationToken) =>
        CreateThinSnapshotCoreAsync(request, true, cancellationToken);

    /// <inheritdoc />
    public Task<LogicalVolume> CreateSnapshotAsync(CreateSnapshotRequest request, CancellationToken cancellationToken) =>
        CreateSnapshotCoreAsync(request, true, cancellationToken);

    /// <inheritdoc />
    public Task<LogicalVolume> ExtendVolumeAsync(string volumeGroup, string name, long sizeBytes, CancellationToken cancellationToken) =>
        ExtendVolumeCoreAsync(volumeGroup, name, sizeBytes, true, cancellationToken);

    /// <inheritdoc />
    public Task RemoveVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
        RemoveVolumeCoreAsync(volumeGroup, name, true, cancellationToken);

    /// <inheritdoc />
    public Task ActivateVolumeGroupAsync(string volumeGroup, CancellationToken cancellationToken) =>
        ActivateVolumeGroupCoreAsync(volumeGroup, true, cancellationToken);

    /// <inheritdoc />
    public Task ActivateVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
        ActivateVolumeCoreAsync(volumeGroup, name, true, cancellationToken);

    /// <inheritdoc />
    public Task RefreshVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
        RefreshVolumeCoreAsync(volumeGroup, name, true, cancellationToken);

    /// <inheritdoc />
    public Task DeactivateVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
        DeactivateVolumeCoreAsync(volumeGroup, name, true, cancellationToken);

    /// <inheritdoc />
    public Task ChangeTagsAsync(string volumeGroup, string name, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken) =>
        ChangeTagsCoreAsync(volumeGroup, name, add, remove, true, cancellationToken);

    /// <inheritdoc />
    public Task CreatePhysicalVolumeAsync(string device, CancellationToken cancellationToken) =>
        CreatePhysicalVolumeCoreAsync(device, true, cancellationToken);

    /// <inheritdoc />
    public Task CreateVolumeGroupAsync(string name, IReadOnlyCollection<string> devices, IReadOnlyCollection<string> tags, CancellationToken cancellationToken) =>
        CreateVolumeGroupCoreAsync(name, devices, tags, true, cancellationToken);

    /// <inheritdoc />
    public Task ExtendVolumeGroupAsync(string name, IReadOnlyCollection<string> devices, CancellationToken cancellationToken) =>
        ExtendVolumeGroupCoreAsync(name, devices, true, cancellationToken);

    // ================================================================ dispose

    /// <summary>Detaches every loop device and deletes every backing file and link the simulator made.</summary>
    public async ValueTask DisposeAsync()
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        var errors = new List<Exception>();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_backing is not null)
            {
                foreach (var lv in _vgs.Values.SelectMany(vg => vg.Lvs.Values).Where(lv => lv.LoopDevice is not null))
                {
                    try
                    {
                        await _backing.DetachAsync(lv, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is LvmException or IOException or UnauthorizedAccessException)
                    {
                        errors.Add(ex);
                    }
                }

                foreach (var directory in new[] { _backing.DataDirectory, _backing.DevDirectory })
                {
                    try
                    {
                        if (Directory.Exists(directory))
                        {
                            Directory.Delete(directory, recursive: true);
                        }
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        errors.Add(ex);
                    }
                }
            }

            List<LvmGate> gates;
            lock (_controlLock)
            {
                gates = [.. _gates.Values];
            }

            foreach (var gate in gates)
            {
                gate.Release();
            }
        }
        finally
        {
            _lock.Release();
        }

        if (errors.Count > 0)
        {
            throw new AggregateException("the LVM simulator could not clean up all of its device backing", errors);
        }
    }

    // ================================================================ the uninstrumented view

    private sealed class AdminView(LvmSimulator sim) : ILvm
    {
        public Task<ImmutableArray<PhysicalVolume>> ListPhysicalVolumesAsync(string? volumeGroup, CancellationToken cancellationToken) =>
            sim.ListPhysicalVolumesCoreAsync(volumeGroup, false, cancellationToken);

        public Task<ImmutableArray<VolumeGroup>> ListVolumeGroupsAsync(CancellationToken cancellationToken) =>
            sim.ListVolumeGroupsCoreAsync(false, cancellationToken);

        public Task<VolumeGroup?> GetVolumeGroupAsync(string name, CancellationToken cancellationToken) =>
            sim.GetVolumeGroupCoreAsync(name, false, cancellationToken);

        public Task<ImmutableArray<LogicalVolume>> ListLogicalVolumesAsync(string volumeGroup, CancellationToken cancellationToken) =>
            sim.ListLogicalVolumesCoreAsync(volumeGroup, false, cancellationToken);

        public Task<LogicalVolume?> GetLogicalVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
            sim.GetLogicalVolumeCoreAsync(volumeGroup, name, false, cancellationToken);

        public Task<ImmutableArray<LogicalVolume>> FindLogicalVolumesByTagAsync(string tag, CancellationToken cancellationToken) =>
            sim.FindLogicalVolumesByTagCoreAsync(tag, false, cancellationToken);

        public Task<LogicalVolume> CreateVolumeAsync(CreateVolumeRequest request, CancellationToken cancellationToken) =>
            sim.CreateVolumeCoreAsync(request, false, cancellationToken);

        public Task<LogicalVolume> CreateThinPoolAsync(CreateThinPoolRequest request, CancellationToken cancellationToken) =>
            sim.CreateThinPoolCoreAsync(request, false, cancellationToken);

        public Task<LogicalVolume> CreateThinVolumeAsync(CreateThinVolumeRequest request, CancellationToken cancellationToken) =>
            sim.CreateThinVolumeCoreAsync(request, false, cancellationToken);

        public Task<LogicalVolume> CreateThinSnapshotAsync(CreateThinSnapshotRequest request, CancellationToken cancellationToken) =>
            sim.CreateThinSnapshotCoreAsync(request, false, cancellationToken);

        public Task<LogicalVolume> CreateSnapshotAsync(CreateSnapshotRequest request, CancellationToken cancellationToken) =>
            sim.CreateSnapshotCoreAsync(request, false, cancellationToken);

        public Task<LogicalVolume> ExtendVolumeAsync(string volumeGroup, string name, long sizeBytes, CancellationToken cancellationToken) =>
            sim.ExtendVolumeCoreAsync(volumeGroup, name, sizeBytes, false, cancellationToken);

        public Task RemoveVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
            sim.RemoveVolumeCoreAsync(volumeGroup, name, false, cancellationToken);

        public Task<LvmReport> ReportAsync(string? volumeGroup, string? logicalVolumeTag, CancellationToken cancellationToken) =>
            sim.ReportCoreAsync(volumeGroup, logicalVolumeTag, false, cancellationToken);

        public Task CreateVolumeWithoutReadBackAsync(CreateVolumeRequest request, CancellationToken cancellationToken) =>
            sim.CreateVolumeWithoutReadBackCoreAsync(request, false, cancellationToken);

        public Task<bool> ChangeTagsIfAsync(string volumeGroup, string name, LvCondition condition, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken) =>
            sim.ChangeTagsIfCoreAsync(volumeGroup, name, condition, add, remove, false, cancellationToken);

        public Task<bool> RemoveVolumeIfAsync(string volumeGroup, string name, LvCondition condition, CancellationToken cancellationToken) =>
            sim.RemoveVolumeIfCoreAsync(volumeGroup, name, condition, false, cancellationToken);

        public Task ActivateVolumeGroupAsync(string volumeGroup, CancellationToken cancellationToken) =>
            sim.ActivateVolumeGroupCoreAsync(volumeGroup, false, cancellationToken);

        public Task ActivateVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
            sim.ActivateVolumeCoreAsync(volumeGroup, name, false, cancellationToken);

        public Task RefreshVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
            sim.RefreshVolumeCoreAsync(volumeGroup, name, false, cancellationToken);

        public Task DeactivateVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
            sim.DeactivateVolumeCoreAsync(volumeGroup, name, false, cancellationToken);

        public Task ChangeTagsAsync(string volumeGroup, string name, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken) =>
            sim.ChangeTagsCoreAsync(volumeGroup, name, add, remove, false, cancellationToken);

        public Task CreatePhysicalVolumeAsync(string device, CancellationToken cancellationToken) =>
            sim.CreatePhysicalVolumeCoreAsync(device, false, cancellationToken);

        public Task CreateVolumeGroupAsync(string name, IReadOnlyCollection<string> devices, IReadOnlyCollection<string> tags, CancellationToken cancellationToken) =>
            sim.CreateVolumeGroupCoreAsync(name, devices, tags, false, cancellationToken);

        public Task ExtendVolumeGroupAsync(string name, IReadOnlyCollection<string> devices, CancellationToken cancellationToken) =>
            sim.ExtendVolumeGroupCoreAsync(name, devices, false, cancellationToken);
    }
}
