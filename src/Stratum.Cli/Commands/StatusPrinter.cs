using System.Globalization;
using System.Text;
using Stratum.Csi.StatusApi;

namespace Stratum.Cli.Commands;

/// <summary>Renders a plugin's status for people: a few sections of aligned columns.</summary>
internal static class StatusPrinter
{
    public static string Format(GetStatusResponse status)
    {
        var text = new StringBuilder();
        var state = status.Ready ? "ready" : status.StartError.Length > 0 ? $"start-up FAILED: {status.StartError}" : "starting";
        text.AppendLine(CultureInfo.InvariantCulture, $"{status.Driver} {status.Version} on node {status.NodeId}: {state}");

        var config = status.Config ?? new ConfigStatus();
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Configuration: generation {config.Generation} ({config.ContentHash}) from {config.Source}, in use since {config.LoadedAt}, checked {config.LastCheckedAt}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  classes from {config.Origin}");
        if (config.NodeLabels.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  node labels: {string.Join(", ", config.NodeLabels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))}");
        }

        if (config.Refusal.Length > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  PROVISIONS NOTHING: {config.Refusal}");
        }

        if (config.LastError.Length > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  last change REJECTED at {config.LastErrorAt} ({config.RejectedReloads} rejected so far); generation {config.Generation} stays in use:");
            foreach (var line in config.LastError.Split('\n'))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"    {line}");
            }
        }

        Table(text, "Device classes", ["NAME", "VG", "KIND", "DEFAULT", "FS", "SPARE", "AVAILABLE", "MAX VOLUME", "DEVICES"],
            status.DeviceClasses.Select(c => new[]
            {
                c.Name, c.VolumeGroup, c.Kind == "thin" ? $"thin ({c.Pool})" : $"thick ({c.Layout})", c.Default ? "yes" : string.Empty,
                c.FsType, Bytes(c.SpareBytes), Bytes(c.AvailableBytes), Bytes(c.MaximumVolumeBytes), string.Join(" ", c.Devices),
            }), $"(capacity as of {Never(status.CapacityRefreshedAt)})");

        Table(text, "Volume groups", ["NAME", "PRESENT", "SIZE", "FREE", "PVS", "LVS", "MANAGED"],
            status.VolumeGroups.Select(g => new[]
            {
                g.Name, g.Present ? "yes" : "NO", Bytes(g.SizeBytes), Bytes(g.FreeBytes),
                g.PhysicalVolumes.ToString(CultureInfo.InvariantCulture), g.LogicalVolumes.ToString(CultureInfo.InvariantCulture), g.Managed ? "yes" : "no",
            }));

        if (status.ThinPools.Count > 0)
        {
            Table(text, "Thin pools", ["VG/POOL", "PRESENT", "DATA", "DATA %", "METADATA %", "LAST SCAN"],
                status.ThinPools.Select(p => new[]
                {
                    $"{p.VolumeGroup}/{p.Name}", p.Present ? "yes" : "no", Bytes(p.DataBytes),
                    p.DataPercent.ToString("0.0", CultureInfo.InvariantCulture), p.MetadataPercent.ToString("0.0", CultureInfo.InvariantCulture),
                    p.Reason.Length > 0 ? $"{p.State}: {p.Reason}" : p.State,
                }));
        }

        Table(text, "Volumes", ["VG/LV", "SIZE", "OWNER", "NAME", "CLASS", "ACTIVE", "HEALTH"],
            status.Volumes.Select(v => new[]
            {
                $"{v.VolumeGroup}/{v.LogicalVolume}", Bytes(v.SizeBytes), v.Ours ? "stratum" : "foreign", v.Name, v.DeviceClass,
                v.Active ? "yes" : "no", v.Health,
            }), $"(as of {Never(status.InventoryRefreshedAt)})");

        Table(text, "Disks", ["PATH", "DEVICE", "SIZE", "VG", "STATE", "REASON"],
            status.Disks.Select(d => new[] { d.Path, d.Device, Bytes(d.SizeBytes), d.VolumeGroup, d.State, d.Reason }),
            $"(last scan {Never(status.DisksScannedAt)}; classes without 'devices' manage their VG by hand)");

        var recovery = status.Recovery ?? new RecoveryStatus();
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Start-up recovery ({Never(recovery.At)}): activated {List(recovery.ActivatedVolumeGroups)}; missing volume groups: {List(recovery.MissingVolumeGroups)}; missing physical volumes: {List(recovery.MissingPhysicalVolumes)}");
        foreach (var volume in recovery.UnservableVolumes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  NOT SERVABLE: {volume.Name} ({volume.VolumeId}): {volume.Reason}");
        }

        foreach (var problem in recovery.Problems)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  problem: {problem}");
        }

        if (status.Gc is { } gc)
        {
            Gc(text, gc);
        }

        return text.ToString();
    }

    private static void Gc(StringBuilder text, GcStatus gc)
    {
        text.AppendLine();
        var settings = $"mode {gc.Mode}, grace period {gc.GracePeriodSeconds}s, every {gc.IntervalSeconds}s";
        if (gc.Unavailable.Length > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Orphan GC ({settings}): NOT RUNNING: {gc.Unavailable}");
            return;
        }

        if (gc.LastPassAt.Length == 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Orphan GC ({settings}): no pass yet");
            return;
        }

        var outcome = gc.LastOutcome == "completed"
            ? $"{gc.VolumesSeen} volumes of ours, {gc.Orphans} orphans, {gc.Deleted} deleted, {gc.Missing.Count} PVs without their volume"
            : $"nothing decided: {gc.LastOutcome}{(gc.LastError.Length > 0 ? $" ({gc.LastError})" : string.Empty)}";
        Table(text, "Orphan GC", ["VG/LV", "NAME", "CLASS", "SIZE", "AGE", "VERDICT", "ACTION", "DETAIL"],
            gc.Findings.Select(f => new[]
            {
                $"{f.VolumeGroup}/{f.LogicalVolume}", f.Name, f.DeviceClass, Bytes(f.SizeBytes), $"{f.AgeSeconds}s", f.Verdict, f.Action, f.Detail,
            }), $"({settings}; last pass {gc.LastPassAt}: {outcome})");
        foreach (var missing in gc.Missing)
        {
            var claim = missing.ClaimName.Length > 0 ? $"claim {missing.ClaimNamespace}/{missing.ClaimName}" : "no claim";
            text.AppendLine(CultureInfo.InvariantCulture, $"  MISSING VOLUME: PV {missing.PersistentVolume} ({claim}, {Never(missing.Phase)}) records {missing.VolumeHandle}, which is not on this node");
        }
    }

    /// <summary>Binary units with one decimal, e.g. <c>12.0 GiB</c>; plain bytes below 1 KiB.</summary>
    internal static string Bytes(long bytes)
    {
        string[] units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
        if (bytes < 1024)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        }

        var value = (double)bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    private static void Table(StringBuilder text, string title, string[] headers, IEnumerable<string[]> rows, string? note = null)
    {
        var all = rows.ToList();
        text.AppendLine();
        text.AppendLine(note is null ? $"{title}:" : $"{title} {note}:");
        if (all.Count == 0)
        {
            text.AppendLine("  none");
            return;
        }

        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Max(r => r[i].Length))).ToArray();
        void Row(string[] cells) =>
            text.AppendLine("  " + string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd());
        Row(headers);
        foreach (var row in all)
        {
            Row(row);
        }
    }

    private static string List(IEnumerable<string> items) => items.Any() ? string.Join(", ", items) : "none";

    private static string Never(string at) => at.Length > 0 ? at : "never";
}
