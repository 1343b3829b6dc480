using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Volumes.Metadata;

namespace Stratum.Volumes.Disks;

/// <summary>A physical volume LVM knows of but cannot find.</summary>
public sealed record MissingPhysicalVolume(string VolumeGroup, string Uuid);

/// <summary>One of Stratum's volumes that cannot be served, and why.</summary>
public sealed record UnservableVolume(string VolumeId, string CsiName, string Reason);

/// <summary>What start-up recovery found and did.</summary>
public sealed record RecoveryReport(
    DateTimeOffset At,
    IReadOnlyList<string> ActivatedVolumeGroups,
    IReadOnlyList<string> MissingVolumeGroups,
    IReadOnlyList<MissingPhysicalVolume> MissingPhysicalVolumes,
    IReadOnlyList<UnservableVolume> UnservableVolumes,
    IReadOnlyList<string> Problems)
{
    public static RecoveryReport Empty { get; } = new(DateTimeOffset.MinValue, [], [], [], [], []);
}

/// <summary>
/// Start-up recovery, before the engine rediscovers volumes: activates the volume groups Stratum
/// created (tagged <see cref="DiskManager.ManagedTag"/>, so everything in them is Stratum's; in
/// other VGs the engine activates only Stratum's own LVs), and reports configured volume groups
/// that are absent, physical volumes that are missing, and Stratum's volumes that need them. Every
/// other volume is served as usual: a node reinstalled with its data disks keeps its volumes,
/// since everything Stratum knows is in LVM's metadata on those disks.
/// </summary>
public sealed partial class NodeRecovery(ILvm lvm, ILogger<NodeRecovery> logger)
{
    public async Task<RecoveryReport> RunAsync(DeviceClassManager classes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(classes);
        var problems = new List<string>();
        var groups = await lvm.ListVolumeGroupsAsync(cancellationToken).ConfigureAwait(false);
        var configured = classes.VolumeGroups;

        var missing = configured.Where(g => groups.All(vg => vg.Name != g)).ToList();
        foreach (var group in missing)
        {
            var users = string.Join(", ", classes.All.Where(c => c.VolumeGroup == group).Select(c => c.Name));
            var hint = classes.All.Any(c => c.VolumeGroup == group && c.Devices is not null)
                ? "disk management creates it when a blank disk matches its devices"
                : "create it, or give one of its classes 'devices'";
            Log.VolumeGroupMissing(logger, group, users, hint);
        }

        var activated = new List<string>();
        foreach (var group in groups.Where(g => configured.Contains(g.Name) && g.Tags.Contains(DiskManager.ManagedTag)))
        {
            try
            {
                await lvm.ActivateVolumeGroupAsync(group.Name, cancellationToken).ConfigureAwait(false);
                activated.Add(group.Name);
            }
            catch (LvmException e)
            {
                // A VG with a missing PV activates what it can and fails for the rest.
                problems.Add($"activating volume group '{group.Name}': {e.Message}");
                Log.ActivationFailed(logger, group.Name, e.Message);
            }
        }

        // The usual node (its configured VGs whole, no other VG) costs no more commands: PVs are
        // listed only when a VG is partial, Stratum's volumes only when one could need reporting.
        var partial = groups.Where(g => configured.Contains(g.Name) && IsPartial(g)).Select(g => g.Name).ToHashSet(StringComparer.Ordinal);
        var missingPvs = new List<MissingPhysicalVolume>();
        if (partial.Count > 0)
        {
            var pvs = await lvm.ListPhysicalVolumesAsync(null, cancellationToken).ConfigureAwait(false);
            missingPvs.AddRange(pvs
                .Where(pv => pv.VolumeGroup is { } vg && partial.Contains(vg) && IsMissing(pv))
                .Select(pv => new MissingPhysicalVolume(pv.VolumeGroup!, pv.Uuid)));
            foreach (var pv in missingPvs)
            {
                Log.PhysicalVolumeMissing(logger, pv.VolumeGroup, pv.Uuid);
            }
        }

        var unservable = new List<UnservableVolume>();
        if (partial.Count > 0 || groups.Any(g => !configured.Contains(g.Name)))
        {
            foreach (var lv in await lvm.FindLogicalVolumesByTagAsync(VolumeMetadata.OwnerTag, cancellationToken).ConfigureAwait(false))
            {
                if (ManagedVolume.From(lv) is not { } volume)
                {
                    continue;
                }

                var reason = IsPartial(lv) ? $"it needs a missing physical volume of volume group '{lv.VolumeGroup}'"
                    : !configured.Contains(lv.VolumeGroup) ? $"no device class of this node uses volume group '{lv.VolumeGroup}'"
                    : null;
                if (reason is not null)
                {
                    unservable.Add(new UnservableVolume(volume.Id.ToString(), volume.Metadata.CsiName, reason));
                    Log.VolumeUnservable(logger, volume.Metadata.CsiName, volume.Id.ToString(), reason);
                }
            }
        }

        Log.Done(logger, activated.Count == 0 ? "none" : string.Join(", ", activated), missing.Count, missingPvs.Count, unservable.Count);
        return new RecoveryReport(DateTimeOffset.UtcNow, activated, missing, missingPvs, unservable, problems);
    }

    /// <summary>LVM names a PV it cannot find <c>[unknown]</c> and sets the third <c>pv_attr</c> character to <c>m</c>.</summary>
    private static bool IsMissing(PhysicalVolume pv) =>
        pv.Name == "[unknown]" || (pv.Attributes.Length >= 3 && pv.Attributes[2] == 'm');

    /// <summary>A VG missing a PV: the fourth <c>vg_attr</c> character is <c>p</c>.</summary>
    private static bool IsPartial(VolumeGroup group) => group.Attributes.Length >= 4 && group.Attributes[3] == 'p';

    /// <summary>An LV with extents on a missing PV: health "partial", or the ninth <c>lv_attr</c> character <c>p</c>.</summary>
    private static bool IsPartial(LogicalVolume lv) =>
        lv.HealthStatus == "partial" || (lv.Attributes.Length >= 9 && lv.Attributes[8] == 'p');

    private static partial class Log
    {
        [LoggerMessage(EventId = 5650, Level = LogLevel.Error, Message = "Volume group {VolumeGroup} of device class(es) {Classes} is not present: its volumes cannot be served ({Hint})")]
        public static partial void VolumeGroupMissing(ILogger logger, string volumeGroup, string classes, string hint);

        [LoggerMessage(EventId = 5651, Level = LogLevel.Warning, Message = "Activating volume group {VolumeGroup} failed; its volumes are activated one by one where possible: {Reason}")]
        public static partial void ActivationFailed(ILogger logger, string volumeGroup, string reason);

        [LoggerMessage(EventId = 5652, Level = LogLevel.Error, Message = "Volume group {VolumeGroup} is missing physical volume {Uuid}: volumes with extents on it cannot be served until the disk returns")]
        public static partial void PhysicalVolumeMissing(ILogger logger, string volumeGroup, string uuid);

        [LoggerMessage(EventId = 5653, Level = LogLevel.Error, Message = "Volume {CsiName} ({VolumeId}) cannot be served: {Reason}")]
        public static partial void VolumeUnservable(ILogger logger, string csiName, string volumeId, string reason);

        [LoggerMessage(EventId = 5654, Level = LogLevel.Information, Message = "Start-up recovery: activated volume groups {Activated}; {MissingGroups} configured volume group(s) absent, {MissingPvs} physical volume(s) missing, {Unservable} volume(s) of ours not servable")]
        public static partial void Done(ILogger logger, string activated, int missingGroups, int missingPvs, int unservable);
    }
}
