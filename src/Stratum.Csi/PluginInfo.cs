using System.Reflection;

namespace Stratum.Csi;

/// <summary>Who the plugin says it is.</summary>
public sealed record PluginInfo(string Name, string Version)
{
    /// <summary>The CSI driver name, as CSIDriver objects and StorageClasses name it.</summary>
    public const string DriverName = "lvm.stratum.dev";

    /// <summary>The informational version of Stratum (e.g. <c>0.1.0+commit</c>).</summary>
    public static string AssemblyVersion { get; } =
        typeof(PluginInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(PluginInfo).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";

    // Declared after AssemblyVersion: static initialisers run in textual order.
    public static PluginInfo Default { get; } = new(DriverName, AssemblyVersion);
}
