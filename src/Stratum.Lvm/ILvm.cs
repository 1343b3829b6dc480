using System.Collections.Immutable;

namespace Stratum.Lvm;

/// <summary>
/// Typed LVM operations. <see cref="LvmCli"/> runs the real commands; an in-memory simulator can
/// implement the same contract. Every method validates its arguments before doing anything
/// (<see cref="LvmValidationException"/>) and reports LVM failures as <see cref="LvmException"/>
/// subtypes. Sizes are bytes; LVM rounds LV sizes up to whole extents.
/// </summary>
public interface ILvm
{
    /// <summary>All PVs, or only those of <paramref name="volumeGroup"/> when given.</summary>
    Task<ImmutableArray<PhysicalVolume>> ListPhysicalVolumesAsync(string? volumeGroup, CancellationToken cancellationToken);

    /// <summary>All VGs.</summary>
    Task<ImmutableArray<VolumeGroup>> ListVolumeGroupsAsync(CancellationToken cancellationToken);

    /// <summary>The VG called <paramref name="name"/>, or <c>null</c> when there is none.</summary>
    Task<VolumeGroup?> GetVolumeGroupAsync(string name, CancellationToken cancellationToken);

    /// <summary>The visible LVs of a VG (not hidden sub-LVs such as <c>[pool_tdata]</c>).</summary>
    /// <exception cref="LvmNotFoundException">The VG does not exist.</exception>
    Task<ImmutableArray<LogicalVolume>> ListLogicalVolumesAsync(string volumeGroup, CancellationToken cancellationToken);

    /// <summary>The LV <c>volumeGroup/name</c>, or <c>null</c> when it (or its VG) does not exist.</summary>
    Task<LogicalVolume?> GetLogicalVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken);

    /// <summary>Every visible LV in any VG that carries <paramref name="tag"/>.</summary>
    Task<ImmutableArray<LogicalVolume>> FindLogicalVolumesByTagAsync(string tag, CancellationToken cancellationToken);

    /// <summary>
    /// VGs (all, or the one named), their PVs and their visible LVs (all, or only those carrying
    /// <paramref name="logicalVolumeTag"/> plus every thin pool and thin volume, whose figures thin
    /// capacity needs), read together. A missing VG gives an empty report.
    /// <see cref="LvmCli"/> does it with one command (<c>lvm fullreport</c>); the default reads the
    /// three lists one after another.
    /// </summary>
    Task<LvmReport> ReportAsync(string? volumeGroup, string? logicalVolumeTag, CancellationToken cancellationToken) =>
        LvmFallbacks.ReportAsync(this, volumeGroup, logicalVolumeTag, cancellationToken);

    /// <summary>Creates a linear, striped or raid1 LV and returns it as LVM reports it.</summary>
    Task<LogicalVolume> CreateVolumeAsync(CreateVolumeRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Creates the LV exactly like <see cref="CreateVolumeAsync"/> but does not read it back (for
    /// <see cref="LvmCli"/>: the <c>lvcreate</c> alone, one command), for callers that read it later
    /// together with other things.
    /// </summary>
    Task CreateVolumeWithoutReadBackAsync(CreateVolumeRequest request, CancellationToken cancellationToken) =>
        CreateVolumeAsync(request, cancellationToken);

    /// <summary>Creates a thin pool and returns it.</summary>
    Task<LogicalVolume> CreateThinPoolAsync(CreateThinPoolRequest request, CancellationToken cancellationToken);

    /// <summary>Creates a thin volume in a pool and returns it.</summary>
    Task<LogicalVolume> CreateThinVolumeAsync(CreateThinVolumeRequest request, CancellationToken cancellationToken);

    /// <summary>Creates a thin snapshot of a thin volume and returns it.</summary>
    Task<LogicalVolume> CreateThinSnapshotAsync(CreateThinSnapshotRequest request, CancellationToken cancellationToken);

    /// <summary>Creates a thick copy-on-write snapshot and returns it.</summary>
    Task<LogicalVolume> CreateSnapshotAsync(CreateSnapshotRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Grows the LV to at least <paramref name="sizeBytes"/> and returns it. Never shrinks: when the
    /// LV is already that large (LVM's "matches existing size" / "not larger than existing size")
    /// this is a successful no-op.
    /// </summary>
    Task<LogicalVolume> ExtendVolumeAsync(string volumeGroup, string name, long sizeBytes, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the LV. Refuses (<see cref="LvmInUseException"/>) when other LVs depend on it — COW
    /// snapshots of it, or thin volumes of a pool — because LVM would silently remove those too.
    /// Thin snapshots of a thin volume are independent and do not block removal.
    /// </summary>
    /// <exception cref="LvmNotFoundException">The LV or VG does not exist.</exception>
    Task RemoveVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken);

    /// <summary>Activates every LV of the VG that is not flagged to skip activation (<c>vgchange -ay</c>).</summary>
    /// <exception cref="LvmNotFoundException">The VG does not exist.</exception>
    Task ActivateVolumeGroupAsync(string volumeGroup, CancellationToken cancellationToken);

    /// <summary>Activates the LV, also when it carries the activation-skip flag.</summary>
    Task ActivateVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Reloads the active LV's device-mapper table from LVM's committed metadata and resumes the
    /// device (<c>lvchange --refresh</c>): what brings back a device a killed LVM command left
    /// suspended. Takes the VG's lock like every LVM change, so it never cuts into a running
    /// command. An inactive LV stays inactive.
    /// </summary>
    /// <exception cref="LvmNotFoundException">The LV or VG does not exist.</exception>
    Task RefreshVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken);

    /// <summary>Deactivates the LV.</summary>
    Task DeactivateVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken);

    /// <summary>Adds and removes LV tags in one atomic metadata update (removing an absent tag is fine).</summary>
    Task ChangeTagsAsync(string volumeGroup, string name, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="ChangeTagsAsync"/> only if the LV satisfies <paramref name="condition"/>; returns
    /// whether it did. <see cref="LvmCli"/> lets LVM check the condition in the same command
    /// (atomic); the default reads the LV first.
    /// </summary>
    /// <exception cref="LvmNotFoundException">The LV or VG does not exist.</exception>
    Task<bool> ChangeTagsIfAsync(string volumeGroup, string name, LvCondition condition, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken) =>
        LvmFallbacks.ChangeTagsIfAsync(this, volumeGroup, name, condition, add, remove, cancellationToken);

    /// <summary>
    /// Removes the LV only if it satisfies <paramref name="condition"/>; returns whether it did.
    /// With <see cref="LvCondition.WithoutDependents"/> nothing but this LV can ever be removed.
    /// <see cref="LvmCli"/> lets LVM check the condition in the same command (atomic, one
    /// command); the default reads the LV (and, for dependents, the VG's LVs) first.
    /// </summary>
    /// <exception cref="LvmNotFoundException">The LV or VG does not exist.</exception>
    Task<bool> RemoveVolumeIfAsync(string volumeGroup, string name, LvCondition condition, CancellationToken cancellationToken) =>
        LvmFallbacks.RemoveVolumeIfAsync(this, volumeGroup, name, condition, cancellationToken);

    /// <summary>Initialises a device as a PV. Never wipes an existing signature: such a device is refused.</summary>
    Task CreatePhysicalVolumeAsync(string device, CancellationToken cancellationToken);

    /// <summary>Creates a VG from devices (which LVM initialises as PVs if needed), with tags.</summary>
    Task CreateVolumeGroupAsync(string name, IReadOnlyCollection<string> devices, IReadOnlyCollection<string> tags, CancellationToken cancellationToken);

    /// <summary>Adds devices to a VG.</summary>
    Task ExtendVolumeGroupAsync(string name, IReadOnlyCollection<string> devices, CancellationToken cancellationToken);
}
