using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace Stratum.Lvm.Reports;

/// <summary>
/// Parses <c>--reportformat json --units b --nosuffix</c> output into the public records.
/// Anything unexpected becomes an <see cref="LvmCommandFailedException"/> naming the field.
/// </summary>
internal static class ReportParser
{
    public static ImmutableArray<LogicalVolume> ParseLogicalVolumes(string json, IReadOnlyList<string> command)
    {
        var rows = Sections(json, command).SelectMany(s => s.Lv ?? []);
        var result = ImmutableArray.CreateBuilder<LogicalVolume>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var lv = ToLogicalVolume(row, command);

            // Segment fields (segtype, stripes) make lvs print one row per segment, so an LV that
            // grew onto a second PV appears twice. Keep the first (lowest) segment's row.
            if (seen.Add(lv.Uuid))
            {
                result.Add(lv);
            }
        }

        return result.ToImmutable();
    }

    /// <summary>
    /// Parses <c>lvm fullreport</c>: per VG its <c>vg</c>, <c>pv</c>, <c>lv</c> and <c>seg</c> rows
    /// (orphan PVs come in an object of their own). LV rows carry no segment fields there; they
    /// are taken from the LV's first segment row, matched by UUID.
    /// </summary>
    public static LvmReport ParseFullReport(string json, IReadOnlyList<string> command)
    {
        var sections = Sections(json, command);
        var lvs = ImmutableArray.CreateBuilder<LogicalVolume>();
        foreach (var section in sections)
        {
            var firstSegments = new Dictionary<string, SegRow>(StringComparer.Ordinal);
            foreach (var seg in section.Seg ?? [])
            {
                firstSegments.TryAdd(Required(seg.LvUuid, "lv_uuid", command), seg);
            }

            foreach (var row in section.Lv ?? [])
            {
                var uuid = Required(row.LvUuid, "lv_uuid", command);
                if (!firstSegments.TryGetValue(uuid, out var segment))
                {
                    throw Unexpected(command, $"LV {row.VgName}/{row.LvName} has no segment row");
                }

                row.Segtype = segment.Segtype;
                row.Stripes = segment.Stripes;
                lvs.Add(ToLogicalVolume(row, command));
            }
        }

        return new LvmReport(
            [.. sections.SelectMany(s => s.Vg ?? []).Select(r => ToVolumeGroup(r, command))],
            [.. sections.SelectMany(s => s.Pv ?? []).Select(r => ToPhysicalVolume(r, command))],
            lvs.ToImmutable());
    }

    public static ImmutableArray<VolumeGroup> ParseVolumeGroups(string json, IReadOnlyList<string> command) =>
        [.. Sections(json, command).SelectMany(s => s.Vg ?? []).Select(r => ToVolumeGroup(r, command))];

    public static ImmutableArray<PhysicalVolume> ParsePhysicalVolumes(string json, IReadOnlyList<string> command) =>
        [.. Sections(json, command).SelectMany(s => s.Pv ?? []).Select(r => ToPhysicalVolume(r, command))];

    private static List<ReportSection> Sections(string json, IReadOnlyList<string> command)
    {
        // Tolerate stray text around the document (LVM prints messages to stdout in some setups).
        var start = json.IndexOf('{', StringComparison.Ordinal);
        var end = json.LastIndexOf('}');
        if (start < 0 || end < start)
        {
            throw Unexpected(command, "no JSON report on stdout");
        }

        ReportDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json.AsSpan(start, end - start + 1), LvmJsonContext.Default.ReportDocument);
        }
        catch (JsonException ex)
        {
            throw new LvmCommandFailedException(
                $"{LvmErrorClassifier.Describe(command)} printed a report that is not valid JSON: {ex.Message}", command, 0, null, ex);
        }

        return document?.Report ?? throw Unexpected(command, "the JSON has no \"report\" array");
    }

    private static LogicalVolume ToLogicalVolume(LvRow row, IReadOnlyList<string> command) => new()
    {
        VolumeGroup = Required(row.VgName, "vg_name", command),
        Name = Required(row.LvName, "lv_name", command),
        Uuid = Required(row.LvUuid, "lv_uuid", command),
        SizeBytes = Long(row.LvSize, "lv_size", command),
        Attributes = Required(row.LvAttr, "lv_attr", command),
        Tags = TagSet.ParseLvmList(row.LvTags),
        Path = Optional(row.LvPath),
        DeviceMapperPath = Optional(row.LvDmPath),
        KernelMajor = DeviceNumber(row.LvKernelMajor, "lv_kernel_major", command),
        KernelMinor = DeviceNumber(row.LvKernelMinor, "lv_kernel_minor", command),
        Pool = Optional(row.PoolLv),
        Origin = Optional(row.Origin),
        DataPercent = Percent(row.DataPercent, "data_percent", command),
        MetadataPercent = Percent(row.MetadataPercent, "metadata_percent", command),
        SegmentType = Required(row.Segtype, "segtype", command),
        IsActive = row.LvActive is { } active && active.StartsWith("active", StringComparison.Ordinal),
        Stripes = Int(row.Stripes, "stripes", command),
        HealthStatus = Optional(row.LvHealthStatus),
    };

    private static VolumeGroup ToVolumeGroup(VgRow row, IReadOnlyList<string> command) => new()
    {
        Name = Required(row.VgName, "vg_name", command),
        Uuid = Required(row.VgUuid, "vg_uuid", command),
        SizeBytes = Long(row.VgSize, "vg_size", command),
        FreeBytes = Long(row.VgFree, "vg_free", command),
        ExtentSizeBytes = Long(row.VgExtentSize, "vg_extent_size", command),
        ExtentCount = Long(row.VgExtentCount, "vg_extent_count", command),
        FreeExtentCount = Long(row.VgFreeCount, "vg_free_count", command),
        Attributes = Required(row.VgAttr, "vg_attr", command),
        Tags = TagSet.ParseLvmList(row.VgTags),
        PhysicalVolumeCount = Int(row.PvCount, "pv_count", command),
        LogicalVolumeCount = Int(row.LvCount, "lv_count", command),
    };

    private static PhysicalVolume ToPhysicalVolume(PvRow row, IReadOnlyList<string> command) => new()
    {
        Name = Required(row.PvName, "pv_name", command),
        VolumeGroup = Optional(row.VgName),
        Uuid = Required(row.PvUuid, "pv_uuid", command),
        SizeBytes = Long(row.PvSize, "pv_size", command),
        FreeBytes = Long(row.PvFree, "pv_free", command),
        Attributes = Required(row.PvAttr, "pv_attr", command),
        Tags = TagSet.ParseLvmList(row.PvTags),
        DeviceSizeBytes = Long(row.DevSize, "dev_size", command),
    };

    private static string Required(string? value, string field, IReadOnlyList<string> command) =>
        string.IsNullOrEmpty(value) ? throw Unexpected(command, $"field '{field}' is missing or empty") : value;

    private static string? Optional(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static long Long(string? value, string field, IReadOnlyList<string> command) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw Unexpected(command, $"field '{field}' is not a byte count: '{value}'");

    private static int Int(string? value, string field, IReadOnlyList<string> command) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw Unexpected(command, $"field '{field}' is not a count: '{value}'");

    /// <summary>LVM prints -1 for the device numbers of an inactive LV.</summary>
    private static int? DeviceNumber(string? value, string field, IReadOnlyList<string> command)
    {
        if (string.IsNullOrEmpty(value) || value == "-1")
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw Unexpected(command, $"field '{field}' is not a device number: '{value}'");
    }

    private static double? Percent(string? value, string field, IReadOnlyList<string> command)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw Unexpected(command, $"field '{field}' is not a percentage: '{value}'");
    }

    private static LvmCommandFailedException Unexpected(IReadOnlyList<string> command, string what) =>
        new($"{LvmErrorClassifier.Describe(command)} printed an unexpected report: {what}", command, 0, null);
}
