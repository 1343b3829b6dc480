using System.Collections.Immutable;
using Stratum.Lvm;
using Stratum.Testing.Lvm;

namespace Stratum.Testing.Conformance;

/// <summary>
/// An <see cref="ILvm"/> decorator the conformance suite puts between the plugin and the backend
/// (the simulator natively, <see cref="LvmCli"/> in the VM), so the same assertions hold on both:
/// it records every call (operation and target) and can hold calls of a chosen operation, for a
/// chosen target, in flight until released. A held call has been recorded but has not reached the
/// backend, so it has changed nothing yet. Thread-safe.
/// </summary>
public sealed class RecordingLvm(ILvm inner) : ILvm, ILvmCallLog
{
    /// <summary>The operations that change LVM state (metadata or device activation).</summary>
    public static readonly IReadOnlySet<LvmOperation> Mutating = new HashSet<LvmOperation>
    {
        LvmOperation.CreateVolume,
        LvmOperation.CreateVolumeWithoutReadBack,
        LvmOperation.CreateThinPool,
        LvmOperation.CreateThinVolume,
        LvmOperation.CreateThinSnapshot,
        LvmOperation.CreateSnapshot,
        LvmOperation.ExtendVolume,
        LvmOperation.RemoveVolume,
        LvmOperation.ActivateVolumeGroup,
        LvmOperation.ActivateVolume,
        LvmOperation.RefreshVolume,
        LvmOperation.DeactivateVolume,
        LvmOperation.ChangeTags,
        LvmOperation.ChangeTagsIf,
        LvmOperation.RemoveVolumeIf,
        LvmOperation.CreatePhysicalVolume,
        LvmOperation.CreateVolumeGroup,
        LvmOperation.ExtendVolumeGroup,
    };

    private readonly Lock _gate = new();
    private readonly List<LvmCall> _calls = [];
    private readonly List<(LvmGate Gate, Func<string, bool> Matches)> _holds = [];

    /// <summary>The implementation calls are passed to.</summary>
    public ILvm Inner { get; } = inner;

    /// <summary>Every call so far, in order.</summary>
    public IReadOnlyList<LvmCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Number of calls of any operation so far.</summary>
    public int CallCount
    {
        get
        {
            lock (_gate)
            {
                return _calls.Count;
            }
        }
    }

    /// <summary>Number of calls of <see cref="Mutating"/> operations so far.</summary>
    public int MutatingCallCount
    {
        get
        {
            lock (_gate)
            {
                return _calls.Count(c => Mutating.Contains(c.Operation));
            }
        }
    }

    /// <summary>Calls made since <paramref name="mark"/> (a <see cref="CallCount"/> read earlier).</summary>
    public IReadOnlyList<LvmCall> CallsSince(int mark)
    {
        lock (_gate)
        {
            return [.. _calls.Skip(mark)];
        }
    }

    /// <summary>How many times <paramref name="operation"/> was called since <paramref name="mark"/>.</summary>
    public int CountSince(int mark, LvmOperation operation) => CallsSince(mark).Count(c => c.Operation == operation);

    /// <summary>
    /// Holds every call of <paramref name="operation"/> whose target (<c>vg/lv</c>, a VG name, ...)
    /// satisfies <paramref name="target"/> (all, when null) until the gate is released or disposed.
    /// </summary>
    public LvmGate Hold(LvmOperation operation, Func<string, bool>? target = null)
    {
        lock (_gate)
        {
            LvmGate? gate = null;
            gate = new LvmGate(operation, _ => Remove(gate!));
            _holds.Add((gate, target ?? (_ => true)));
            return gate;
        }
    }

    /// <summary>Holds calls of <paramref name="operation"/> aimed at exactly <paramref name="target"/>.</summary>
    public LvmGate Hold(LvmOperation operation, string target) => Hold(operation, t => t == target);

    private void Remove(LvmGate gate)
    {
        lock (_gate)
        {
            _holds.RemoveAll(h => ReferenceEquals(h.Gate, gate));
        }
    }

    private async Task EnterAsync(LvmOperation operation, string target, CancellationToken cancellationToken)
    {
        LvmGate? hold;
        lock (_gate)
        {
            _calls.Add(new LvmCall(operation, target));
            hold = _holds.FirstOrDefault(h => h.Gate.Operation == operation && h.Matches(target)).Gate;
        }

        if (hold is not null)
        {
            await hold.PassAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<T> RunAsync<T>(LvmOperation operation, string target, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        await EnterAsync(operation, target, cancellationToken).ConfigureAwait(false);
        return await call().ConfigureAwait(false);
    }

    private async Task RunAsync(LvmOperation operation, string target, Func<Task> call, CancellationToken cancellationToken)
    {
        await EnterAsync(operation, target, cancellationToken).ConfigureAwait(false);
        await call().ConfigureAwait(false);
    }

    private static string Lv(string volumeGroup, string name) => $"{volumeGroup}/{name}";

    /// <inheritdoc />
    public Task<ImmutableArray<PhysicalVolume>> ListPhysicalVolumesAsync(string? volumeGroup, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.ListPhysicalVolumes, volumeGroup ?? string.Empty, () => Inner.ListPhysicalVolumesAsync(volumeGroup, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<ImmutableArray<VolumeGroup>> ListVolumeGroupsAsync(CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.ListVolumeGroups, string.Empty, () => Inner.ListVolumeGroupsAsync(cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<VolumeGroup?> GetVolumeGroupAsync(string name, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.GetVolumeGroup, name, () => Inner.GetVolumeGroupAsync(name, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<ImmutableArray<LogicalVolume>> ListLogicalVolumesAsync(string volumeGroup, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.ListLogicalVolumes, volumeGroup, () => Inner.ListLogicalVolumesAsync(volumeGroup, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<LogicalVolume?> GetLogicalVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.GetLogicalVolume, Lv(volumeGroup, name), () => Inner.GetLogicalVolumeAsync(volumeGroup, name, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<ImmutableArray<LogicalVolume>> FindLogicalVolumesByTagAsync(string tag, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.FindLogicalVolumesByTag, tag, () => Inner.FindLogicalVolumesByTagAsync(tag, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<LvmReport> ReportAsync(string? volumeGroup, string? logicalVolumeTag, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.Report, volumeGroup ?? string.Empty, () => Inner.ReportAsync(volumeGroup, logicalVolumeTag, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task CreateVolumeWithoutReadBackAsync(CreateVolumeRequest request, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.CreateVolumeWithoutReadBack, Lv(request.VolumeGroup, request.Name), () => Inner.CreateVolumeWithoutReadBackAsync(request, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<bool> ChangeTagsIfAsync(string volumeGroup, string name, LvCondition condition, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.ChangeTagsIf, Lv(volumeGroup, name), () => Inner.ChangeTagsIfAsync(volumeGroup, name, condition, add, remove, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<bool> RemoveVolumeIfAsync(string volumeGroup, string name, LvCondition condition, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.RemoveVolumeIf, Lv(volumeGroup, name), () => Inner.RemoveVolumeIfAsync(volumeGroup, name, condition, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<LogicalVolume> CreateVolumeAsync(CreateVolumeRequest request, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.CreateVolume, Lv(request.VolumeGroup, request.Name), () => Inner.CreateVolumeAsync(request, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<LogicalVolume> CreateThinPoolAsync(CreateThinPoolRequest request, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.CreateThinPool, Lv(request.VolumeGroup, request.Name), () => Inner.CreateThinPoolAsync(request, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<LogicalVolume> CreateThinVolumeAsync(CreateThinVolumeRequest request, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.CreateThinVolume, Lv(request.VolumeGroup, request.Name), () => Inner.CreateThinVolumeAsync(request, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<LogicalVolume> CreateThinSnapshotAsync(CreateThinSnapshotRequest request, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.CreateThinSnapshot, Lv(request.VolumeGroup, request.Name), () => Inner.CreateThinSnapshotAsync(request, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<LogicalVolume> CreateSnapshotAsync(CreateSnapshotRequest request, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.CreateSnapshot, Lv(request.VolumeGroup, request.Name), () => Inner.CreateSnapshotAsync(request, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<LogicalVolume> ExtendVolumeAsync(string volumeGroup, string name, long sizeBytes, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.ExtendVolume, Lv(volumeGroup, name), () => Inner.ExtendVolumeAsync(volumeGroup, name, sizeBytes, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task RemoveVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.RemoveVolume, Lv(volumeGroup, name), () => Inner.RemoveVolumeAsync(volumeGroup, name, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task ActivateVolumeGroupAsync(string volumeGroup, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.ActivateVolumeGroup, volumeGroup, () => Inner.ActivateVolumeGroupAsync(volumeGroup, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task ActivateVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.ActivateVolume, Lv(volumeGroup, name), () => Inner.ActivateVolumeAsync(volumeGroup, name, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task RefreshVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.RefreshVolume, Lv(volumeGroup, name), () => Inner.RefreshVolumeAsync(volumeGroup, name, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task DeactivateVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.DeactivateVolume, Lv(volumeGroup, name), () => Inner.DeactivateVolumeAsync(volumeGroup, name, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task ChangeTagsAsync(string volumeGroup, string name, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.ChangeTags, Lv(volumeGroup, name), () => Inner.ChangeTagsAsync(volumeGroup, name, add, remove, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task CreatePhysicalVolumeAsync(string device, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.CreatePhysicalVolume, device, () => Inner.CreatePhysicalVolumeAsync(device, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task CreateVolumeGroupAsync(string name, IReadOnlyCollection<string> devices, IReadOnlyCollection<string> tags, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.CreateVolumeGroup, name, () => Inner.CreateVolumeGroupAsync(name, devices, tags, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task ExtendVolumeGroupAsync(string name, IReadOnlyCollection<string> devices, CancellationToken cancellationToken) =>
        RunAsync(LvmOperation.ExtendVolumeGroup, name, () => Inner.ExtendVolumeGroupAsync(name, devices, cancellationToken), cancellationToken);
}
