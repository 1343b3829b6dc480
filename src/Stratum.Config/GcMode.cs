namespace Stratum.Config;

/// <summary>What the node's orphan GC may do (<c>gc:</c> in the configuration).</summary>
public enum GcMode
{
    /// <summary>No GC passes at all.</summary>
    Off,

    /// <summary>Find and report orphans (log, metric, status); delete nothing. The default.</summary>
    Report,

    /// <summary>Report, and delete orphans that are past the grace period and not in use.</summary>
    Delete,
}

/// <summary>The names used in the configuration file: <c>off</c>, <c>report</c>, <c>delete</c>.</summary>
public static class GcModes
{
    public static IReadOnlyList<GcMode> All { get; } = [GcMode.Off, GcMode.Report, GcMode.Delete];

    public static string ToName(this GcMode mode) => mode switch
    {
        GcMode.Off => "off",
        GcMode.Report => "report",
        GcMode.Delete => "delete",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown GC mode"),
    };

    public static bool TryParse(string? name, out GcMode mode) => EnumNames.TryParse(All, ToName, name, out mode);
}
