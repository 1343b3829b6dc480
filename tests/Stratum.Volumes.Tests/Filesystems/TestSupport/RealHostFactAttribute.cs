namespace Stratum.Volumes.Tests.Filesystems.TestSupport;

/// <summary>
/// Why a test that needs real loop devices, mkfs and mount cannot run here, or null when it can:
/// it must run as root with /dev/loop-control. Where it can, it runs; nothing is faked.
/// </summary>
internal static class RealHost
{
    public static string? SkipReason { get; } = Probe();

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux";
        }

        var uid = File.ReadLines("/proc/self/status")
            .FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?
            .Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(2);
        if (uid != "0")
        {
            return "needs root (loop devices, mkfs, mount)";
        }

        return File.Exists("/dev/loop-control") ? null : "needs loop device support (/dev/loop-control)";
    }

    /// <summary>Whether this process may resize a mounted ext4 (the kernel demands CAP_SYS_RESOURCE).</summary>
    public static bool HasCapSysResource
    {
        get
        {
            const int CapSysResource = 24;
            var hex = File.ReadLines("/proc/self/status")
                .First(l => l.StartsWith("CapEff:", StringComparison.Ordinal))["CapEff:".Length..].Trim();
            return ((Convert.ToUInt64(hex, 16) >> CapSysResource) & 1) == 1;
        }
    }
}

/// <summary>A fact that runs only as root with loop devices (see <see cref="RealHost"/>).</summary>
public sealed class RealHostFactAttribute : FactAttribute
{
    public RealHostFactAttribute() => Skip = RealHost.SkipReason;
}

/// <summary>A theory that runs only as root with loop devices (see <see cref="RealHost"/>).</summary>
public sealed class RealHostTheoryAttribute : TheoryAttribute
{
    public RealHostTheoryAttribute() => Skip = RealHost.SkipReason;
}
