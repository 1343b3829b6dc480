using Stratum.Metrics;
using Stratum.Volumes;
using Stratum.Volumes.Disks;

namespace Stratum.Csi.Hosting;

/// <summary>
/// Feeds the node's state figures into <see cref="IStratumMetrics"/> from what the node already
/// holds in memory (capacity cache, LV inventory, catalog, configuration monitor, last disk scan),
/// called just before each scrape: a scrape never runs an LVM command, and Volumes and Config
/// know nothing of metrics. Counters and durations are fed where they happen (the call
/// interceptor, the timed command runner, the GC).
/// </summary>
internal sealed class NodeMetricsFeed(NodeStorage storage, IStratumMetrics metrics)
{
    private readonly Lock _gate = new();
    private long _rejectedReported;

    public void Collect()
    {
        lock (_gate)
        {
            var snapshot = storage.Config.Current;
            var classes = snapshot.Classes;
            if (storage.Capacity.RefreshedAt is { } at)
            {
                var groups = classes.VolumeGroups.Select(storage.Capacity.Find).OfType<Volumes.Capacity.VolumeGroupSpace>()
                    .Select(s => new VolumeGroupUsage(s.Name, s.SizeBytes, s.FreeBytes));
                var pools = storage.Inventory.Current.ByVolumeGroup.Values.SelectMany(v => v)
                    .Where(v => v.IsThinPool && classes.VolumeGroups.Contains(v.VolumeGroup))
                    .Select(v => new ThinPoolUsage(v.VolumeGroup, v.Name, (v.DataPercent ?? 0) / 100, (v.MetadataPercent ?? 0) / 100));
                metrics.CapacityRefreshed(at, [.. groups], [.. pools]);
            }

            // Every configured class has a series (0 included); a class removed by a reload loses its series.
            var perClass = classes.All.ToDictionary(c => c.Name, _ => 0, StringComparer.Ordinal);
            foreach (var volume in storage.Engine.Catalog.Known())
            {
                perClass[volume.Metadata.DeviceClass] = perClass.GetValueOrDefault(volume.Metadata.DeviceClass) + 1;
            }

            metrics.VolumesCounted(perClass);

            metrics.ConfigApplied(snapshot.Generation);
            var rejected = storage.Config.RejectedReloads;
            for (; _rejectedReported < rejected; _rejectedReported++)
            {
                metrics.ConfigReloadFailed();
            }

            var report = storage.Disks.LastReport;
            if (report.At != DateTimeOffset.MinValue)
            {
                metrics.DisksObserved(Count(report, DiskState.Member, DiskState.Claimed), Count(report, DiskState.Refused));
            }
        }
    }

    /// <summary>Disks in the given states per volume group (the VG, not the free-text reason, is the label: its values are bounded by the configuration).</summary>
    private static Dictionary<string, int> Count(DiskReport report, params DiskState[] states)
    {
        var counts = report.VolumeGroups.ToDictionary(g => g.Name, _ => 0, StringComparer.Ordinal);
        foreach (var disk in report.Disks.Where(d => states.Contains(d.State)))
        {
            counts[disk.VolumeGroup] = counts.GetValueOrDefault(disk.VolumeGroup) + 1;
        }

        return counts;
    }
}
