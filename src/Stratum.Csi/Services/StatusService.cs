using System.Globalization;
using Grpc.Core;
using Stratum.Config;
using Stratum.Csi.Hosting;
using Stratum.Kube.Gc;
using Api = Stratum.Csi.StatusApi;
using Stratum.Volumes;
using Stratum.Volumes.Disks;
using Stratum.Volumes.Metadata;

namespace Stratum.Csi.Services;

/// <summary>
/// <c>stratum.v1.NodeStatus</c>: what the running plugin knows, for <c>stratum status</c>. Built from
/// memory only (the configuration snapshot, the capacity cache, the last disk scan, start-up
/// recovery and the LV inventory), so asking never runs an LVM command.
/// </summary>
public sealed class StatusService(NodeStorage storage, PluginInfo plugin, string nodeId, Func<bool> isReady, Func<Exception?> failure, NodeGc? gc = null)
    : Api.NodeStatus.NodeStatusBase
{
    /// <summary>Logged at Debug: monitoring may ask often.</summary>
    public static IReadOnlySet<string> PollingMethods { get; } = new HashSet<string>(StringComparer.Ordinal) { "GetStatus" };

    public override Task<Api.GetStatusResponse> GetStatus(Api.GetStatusRequest request, ServerCallContext context) =>
        Task.FromResult(Build());

    /// <summary>The status as of now.</summary>
    public Api.GetStatusResponse Build()
    {
        var snapshot = storage.Config.Current;
        var classes = snapshot.Classes;
        var inventory = storage.Inventory.Current;
        var disks = storage.Disks.LastReport;
        var response = new Api.GetStatusResponse
        {
            Driver = plugin.Name,
            Version = plugin.Version,
            NodeId = nodeId,
            Ready = isReady(),
            StartError = failure()?.Message ?? string.Empty,
            Config = Config(snapshot),
            Recovery = Recovery(storage.Recovery),
            CapacityRefreshedAt = Time(storage.Capacity.RefreshedAt),
            InventoryRefreshedAt = Time(inventory.At),
            DisksScannedAt = Time(disks.At),
            Gc = gc is null ? null : Gc(gc),
        };

        foreach (var deviceClass in classes.All)
        {
            var capacity = storage.Capacity.CapacityFor(deviceClass);
            var item = new Api.DeviceClassStatus
            {
                Name = deviceClass.Name,
                VolumeGroup = deviceClass.VolumeGroup,
                Default = ReferenceEquals(deviceClass, classes.Default),
                Kind = deviceClass.IsThin ? "thin" : "thick",
                Layout = deviceClass.IsThin ? string.Empty : deviceClass.LvCreate.Type.ToName(),
                Pool = deviceClass.Thin?.Pool ?? string.Empty,
                FsType = deviceClass.FsType.ToName(),
                SpareBytes = deviceClass.SpareBytes,
                AvailableBytes = capacity.AvailableBytes,
                MaximumVolumeBytes = capacity.MaximumVolumeBytes,
            };
            item.Devices.AddRange(deviceClass.Devices?.Patterns.Select(p => p.Text) ?? []);
            response.DeviceClasses.Add(item);
        }

        foreach (var name in classes.VolumeGroups)
        {
            var space = storage.Capacity.Find(name);
            response.VolumeGroups.Add(new Api.VolumeGroupStatus
            {
                Name = name,
                Present = space is not null,
                SizeBytes = space?.SizeBytes ?? 0,
                FreeBytes = space?.FreeBytes ?? 0,
                PhysicalVolumes = space?.PhysicalVolumeCount ?? 0,
                LogicalVolumes = space?.LogicalVolumeCount ?? 0,
                Managed = space?.HasTag(DiskManager.ManagedTag) ?? false,
            });
        }

        foreach (var (group, pool) in classes.All.Where(c => c.Thin is not null).Select(c => (c.VolumeGroup, c.Thin!.Pool)).Distinct())
        {
            var lv = inventory.ByVolumeGroup.TryGetValue(group, out var lvs) ? lvs.FirstOrDefault(l => l.Name == pool && l.IsThinPool) : null;
            var scanned = disks.VolumeGroups.FirstOrDefault(g => g.Name == group)?.Pools.FirstOrDefault(p => p.Name == pool);
            response.ThinPools.Add(new Api.ThinPoolStatus
            {
                VolumeGroup = group,
                Name = pool,
                Present = lv is not null,
                DataBytes = lv?.SizeBytes ?? 0,
                DataPercent = lv?.DataPercent ?? 0,
                MetadataPercent = lv?.MetadataPercent ?? 0,
                State = scanned?.State.ToString().ToLowerInvariant() ?? string.Empty,
                Reason = scanned?.Reason ?? string.Empty,
            });
        }

        foreach (var lv in inventory.ByVolumeGroup.OrderBy(g => g.Key, StringComparer.Ordinal).SelectMany(g => g.Value).Where(l => !l.IsThinPool))
        {
            var ours = lv.Ours;
            response.Volumes.Add(new Api.VolumeStatus
            {
                VolumeGroup = lv.VolumeGroup,
                LogicalVolume = lv.Name,
                SizeBytes = lv.SizeBytes,
                Ours = lv.Owned,
                VolumeId = ours?.Id.ToString() ?? string.Empty,
                Name = ours?.Metadata.CsiName ?? string.Empty,
                DeviceClass = ours?.Metadata.DeviceClass ?? string.Empty,
                Active = lv.IsActive,
                Health = lv.HealthStatus ?? string.Empty,
                SegmentType = lv.SegmentType,
            });
        }

        foreach (var disk in disks.Disks)
        {
            response.Disks.Add(new Api.DiskStatus
            {
                Path = disk.Path,
                Device = disk.Device,
                SizeBytes = disk.SizeBytes,
                VolumeGroup = disk.VolumeGroup,
                State = disk.State.ToString().ToLowerInvariant(),
                Reason = disk.Reason ?? string.Empty,
            });
        }

        return response;
    }

    private Api.ConfigStatus Config(ConfigSnapshot snapshot)
    {
        var error = storage.Config.LastError;
        var status = new Api.ConfigStatus
        {
            Generation = snapshot.Generation,
            Source = ConfigMonitor.SourceOf(storage.Config.Options),
            ContentHash = snapshot.ContentHash,
            LoadedAt = Time(snapshot.LoadedAt),
            Origin = snapshot.Node.Origin,
            Refusal = snapshot.Classes.RefusalReason ?? string.Empty,
            LastError = error?.Message ?? string.Empty,
            LastErrorAt = Time(error?.At),
            RejectedReloads = storage.Config.RejectedReloads,
            LastCheckedAt = Time(storage.Config.LastCheckedAt),
        };
        status.NodeLabels.Add(snapshot.Node.Node.Labels);
        return status;
    }

    private static Api.GcStatus Gc(NodeGc gc)
    {
        var status = new Api.GcStatus
        {
            Mode = gc.Mode.ToName(),
            Unavailable = gc.Unavailable ?? string.Empty,
            GracePeriodSeconds = (long)gc.GracePeriod.TotalSeconds,
            IntervalSeconds = (long)gc.Interval.TotalSeconds,
        };
        if (gc.LastReport is not { } report)
        {
            return status;
        }

        status.LastPassAt = Time(report.At);
        status.LastOutcome = report.Outcome switch
        {
            GcOutcome.Completed => "completed",
            GcOutcome.ApiUnavailable => "api_unavailable",
            GcOutcome.VolumesUnavailable => "volumes_unavailable",
            GcOutcome.NodeNotRegistered => "node_not_registered",
            _ => report.Outcome.ToString(),
        };
        status.LastError = report.Error ?? string.Empty;
        status.VolumesSeen = report.VolumesSeen;
        status.Orphans = report.OrphanCount;
        status.Deleted = report.DeletedCount;
        status.Findings.AddRange(report.Findings.Select(f => new Api.GcFinding
        {
            VolumeId = f.Volume.VolumeId,
            VolumeGroup = f.Volume.VolumeGroup,
            LogicalVolume = f.Volume.LvName,
            Name = f.Volume.CsiName ?? string.Empty,
            DeviceClass = f.Volume.DeviceClass ?? string.Empty,
            SizeBytes = f.Volume.SizeBytes,
            AgeSeconds = (long)f.Age.TotalSeconds,
            InUse = f.Volume.InUse,
            Verdict = f.Verdict.ToString(),
            Action = f.Action.ToString(),
            Detail = f.Detail,
        }));
        status.Missing.AddRange(report.Missing.Select(m => new Api.GcMissingVolume
        {
            PersistentVolume = m.PersistentVolume.Name,
            VolumeHandle = m.PersistentVolume.VolumeHandle,
            ClaimNamespace = m.PersistentVolume.ClaimNamespace ?? string.Empty,
            ClaimName = m.PersistentVolume.ClaimName ?? string.Empty,
            Phase = m.PersistentVolume.Phase ?? string.Empty,
        }));
        return status;
    }

    private static Api.RecoveryStatus Recovery(RecoveryReport report)
    {
        var status = new Api.RecoveryStatus { At = Time(report.At) };
        status.ActivatedVolumeGroups.AddRange(report.ActivatedVolumeGroups);
        status.MissingVolumeGroups.AddRange(report.MissingVolumeGroups);
        status.MissingPhysicalVolumes.AddRange(report.MissingPhysicalVolumes.Select(p => $"{p.VolumeGroup}: {p.Uuid}"));
        status.UnservableVolumes.AddRange(report.UnservableVolumes.Select(v => new Api.UnservableVolume { VolumeId = v.VolumeId, Name = v.CsiName, Reason = v.Reason }));
        status.Problems.AddRange(report.Problems);
        return status;
    }

    /// <summary>RFC 3339 in UTC, or empty for "never".</summary>
    private static string Time(DateTimeOffset? at) =>
        at is { } value && value > DateTimeOffset.MinValue
            ? value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : string.Empty;
}
