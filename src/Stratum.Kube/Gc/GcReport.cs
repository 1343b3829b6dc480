using System.Globalization;
using System.Text;
using System.Text.Json;
using Stratum.Config;

namespace Stratum.Kube.Gc;

/// <summary>Why a GC pass decided what it did about a volume.</summary>
public enum GcVerdict
{
    /// <summary>Its PV exists (volume handle matches).</summary>
    Referenced,

    /// <summary>A PV of our driver has the name the volume's tags or CSI name give, with another handle: kept, looks wrong.</summary>
    NameTaken,

    /// <summary>An unbound claim matches it (by UID in the CSI name, or PVC name tags): the provisioner may still create its PV.</summary>
    AwaitingClaim,

    /// <summary>No PV, but younger than the grace period.</summary>
    TooYoung,

    /// <summary>An orphan that is staged or published: reported, never deleted.</summary>
    OrphanInUse,

    /// <summary>An orphan: no PV, no pending claim, past the grace period, not in use.</summary>
    Orphan,
}

/// <summary>What the pass did about a volume.</summary>
public enum GcAction
{
    None,
    WouldDelete,
    Deleted,
    DeleteFailed,
    DeferredByLimit,
}

/// <summary>How a pass ended.</summary>
public enum GcOutcome
{
    Completed,

    /// <summary>The API server could not be read: nothing was decided or done.</summary>
    ApiUnavailable,

    /// <summary>This node's volumes could not be listed: nothing was decided or done.</summary>
    VolumesUnavailable,

    /// <summary>The cluster the API belongs to has no Node for this node id (wrong kubeconfig, or not registered yet): nothing done.</summary>
    NodeNotRegistered,
}

/// <summary>One volume of ours without a PV (orphan or candidate), and what happened to it.</summary>
public sealed record GcFinding(NodeVolume Volume, GcVerdict Verdict, GcAction Action, TimeSpan Age, string Detail);

/// <summary>A PV pinned to this node whose exact LV is gone: an abnormal condition.</summary>
public sealed record MissingVolume(PvRecord PersistentVolume);

/// <summary>The result of one GC pass: what <c>stratum gc --dry-run</c> prints and <c>stratum status</c> shows.</summary>
public sealed record GcReport(
    DateTimeOffset At,
    GcMode Mode,
    GcOutcome Outcome,
    string? Error,
    int VolumesSeen,
    IReadOnlyList<GcFinding> Findings,
    IReadOnlyList<MissingVolume> Missing)
{
    /// <summary>Orphans past the grace period (in use or not): the <c>stratum_gc_orphans</c> figure.</summary>
    public int OrphanCount => Findings.Count(f => f.Verdict is GcVerdict.Orphan or GcVerdict.OrphanInUse);

    public int DeletedCount => Findings.Count(f => f.Action == GcAction.Deleted);

    /// <summary>A human-readable table: one line per finding and per missing volume, then a summary line.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"GC pass at {At:yyyy-MM-dd'T'HH:mm:ss'Z'} (mode {Mode.ToString().ToLowerInvariant()}): ");
        if (Outcome != GcOutcome.Completed)
        {
            text.Append(CultureInfo.InvariantCulture, $"nothing decided: {Describe(Outcome)}");
            if (Error is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $" ({Error})");
            }

            return text.AppendLine().ToString();
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"{VolumesSeen} volumes of ours, {OrphanCount} orphans, {Missing.Count} PVs without their volume");
        if (Findings.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{"ACTION",-14} {"VOLUME",-44} {"CLASS",-12} {"SIZE",10} {"AGE",8}  REASON");
            foreach (var f in Findings.OrderBy(f => f.Volume.VolumeGroup, StringComparer.Ordinal).ThenBy(f => f.Volume.LvName, StringComparer.Ordinal))
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"{ActionWord(f),-14} {f.Volume.VolumeGroup + "/" + f.Volume.LvName,-44} {f.Volume.DeviceClass ?? "-",-12} {Bytes(f.Volume.SizeBytes),10} {Age(f.Age),8}  {f.Detail}");
            }
        }

        foreach (var m in Missing.OrderBy(m => m.PersistentVolume.Name, StringComparer.Ordinal))
        {
            var pv = m.PersistentVolume;
            var claim = pv.ClaimName is null ? "no claim" : $"claim {pv.ClaimNamespace}/{pv.ClaimName}";
            text.AppendLine(CultureInfo.InvariantCulture, $"{"MISSING",-14} PV {pv.Name} ({claim}, {pv.Phase ?? "unknown phase"}): volume {pv.VolumeHandle} is not on this node");
        }

        return text.ToString();
    }

    /// <summary>The report as JSON (for <c>stratum gc --json</c> and status endpoints); written by hand, no reflection.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("at", At);
            json.WriteString("mode", Mode.ToString().ToLowerInvariant());
            json.WriteString("outcome", Outcome.ToString());
            if (Error is not null)
            {
                json.WriteString("error", Error);
            }

            json.WriteNumber("volumes", VolumesSeen);
            json.WriteNumber("orphans", OrphanCount);
            json.WriteNumber("deleted", DeletedCount);
            json.WriteStartArray("findings");
            foreach (var f in Findings)
            {
                json.WriteStartObject();
                json.WriteString("volumeId", f.Volume.VolumeId);
                json.WriteString("volumeGroup", f.Volume.VolumeGroup);
                json.WriteString("logicalVolume", f.Volume.LvName);
                WriteOptional(json, "csiName", f.Volume.CsiName);
                WriteOptional(json, "deviceClass", f.Volume.DeviceClass);
                WriteOptional(json, "pvName", f.Volume.PvName);
                WriteOptional(json, "pvcNamespace", f.Volume.PvcNamespace);
                WriteOptional(json, "pvcName", f.Volume.PvcName);
                json.WriteNumber("sizeBytes", f.Volume.SizeBytes);
                json.WriteNumber("ageSeconds", (long)f.Age.TotalSeconds);
                json.WriteBoolean("inUse", f.Volume.InUse);
                json.WriteString("verdict", f.Verdict.ToString());
                json.WriteString("action", f.Action.ToString());
                json.WriteString("detail", f.Detail);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("missing");
            foreach (var m in Missing)
            {
                json.WriteStartObject();
                json.WriteString("pvName", m.PersistentVolume.Name);
                json.WriteString("volumeHandle", m.PersistentVolume.VolumeHandle);
                WriteOptional(json, "claimNamespace", m.PersistentVolume.ClaimNamespace);
                WriteOptional(json, "claimName", m.PersistentVolume.ClaimName);
                WriteOptional(json, "phase", m.PersistentVolume.Phase);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static string ActionWord(GcFinding f) => (f.Verdict, f.Action) switch
    {
        (_, GcAction.Deleted) => "DELETED",
        (_, GcAction.WouldDelete) => "WOULD-DELETE",
        (_, GcAction.DeleteFailed) => "DELETE-FAILED",
        (_, GcAction.DeferredByLimit) => "NEXT-PASS",
        (GcVerdict.OrphanInUse, _) => "KEEP-IN-USE",
        (GcVerdict.Orphan, _) => "ORPHAN",
        (GcVerdict.TooYoung, _) => "WAIT",
        _ => "KEEP",
    };

    private static string Describe(GcOutcome outcome) => outcome switch
    {
        GcOutcome.ApiUnavailable => "the Kubernetes API could not be read",
        GcOutcome.VolumesUnavailable => "this node's volumes could not be listed",
        GcOutcome.NodeNotRegistered => "no Node in this cluster carries this node's topology label (wrong cluster, or the plugin is not registered yet)",
        _ => "completed",
    };

    internal static string Age(TimeSpan age) =>
        age.TotalDays >= 2 ? $"{(int)age.TotalDays}d"
        : age.TotalHours >= 2 ? $"{(int)age.TotalHours}h"
        : age.TotalMinutes >= 2 ? $"{(int)age.TotalMinutes}m"
        : $"{Math.Max(0, (int)age.TotalSeconds)}s";

    internal static string Bytes(long bytes)
    {
        string[] units = ["B", "Ki", "Mi", "Gi", "Ti", "Pi"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes}B" : value.ToString(value < 10 ? "0.#" : "0", CultureInfo.InvariantCulture) + units[unit];
    }
}
