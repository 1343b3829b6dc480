using Stratum.Platform;
using Stratum.Volumes.Filesystems;

namespace Stratum.Volumes;

/// <summary>A volume's condition as CSI reports it: abnormal or not, and a message saying what is wrong.</summary>
public sealed record VolumeHealthReport(bool Abnormal, string Message)
{
    public static VolumeHealthReport Healthy { get; } = new(false, "healthy");
}

/// <summary>
/// The one place a volume's condition is decided. LVM's view (<c>lv_health_status</c>: a raid
/// leg lost, a refresh needed) costs nothing beyond the report already read. The device itself
/// is checked where one volume is asked about (ControllerGetVolume, NodeGetVolumeStats): its live
/// device-mapper table (one <c>dmsetup table</c>, a read) must not hold a target that fails or
/// fakes I/O (<c>error</c>, which <c>dmsetup remove --force</c> and a lost device leave behind, or
/// the test targets <c>flakey</c>, <c>delay</c>, <c>dust</c>, <c>zero</c>), and a direct read of its
/// first block must come back, without an error, within <see cref="ReadTimeout"/>. A hung device
/// makes the check answer "abnormal" after that time; it never hangs the call.
/// </summary>
public static class VolumeHealth
{
    /// <summary>How long the read of a volume's first block may take before the volume counts as hung.</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    private static readonly Dictionary<string, string> FaultyTargets = new(StringComparer.Ordinal)
    {
        ["error"] = "every read and write fails",
        ["zero"] = "reads return zeroes and writes are dropped",
        ["flakey"] = "I/O fails or is dropped part of the time",
        ["delay"] = "every I/O is delayed",
        ["dust"] = "chosen blocks fail",
    };

    /// <summary>What LVM's report alone says.</summary>
    public static VolumeHealthReport FromLvm(ManagedVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return volume.HealthStatus is { } health
            ? new VolumeHealthReport(true, $"LVM reports {volume.Name} {health}")
            : VolumeHealthReport.Healthy;
    }

    /// <summary>LVM's view, the device's table and a read of its first block (an inactive LV: LVM's view only).</summary>
    public static async Task<VolumeHealthReport> CheckAsync(ManagedVolume volume, IFilesystemOps filesystem, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(filesystem);
        var problems = new List<string>();
        if (volume.HealthStatus is { } health)
        {
            problems.Add($"LVM reports {volume.Name} {health}");
        }

        if (volume.Lv is { IsActive: true, KernelMajor: { } major, KernelMinor: { } minor }
            && filesystem.DeviceMapperName(new DeviceNumber((uint)major, (uint)minor)) is { } dmName)
        {
            var faulty = (await filesystem.MappingTargetsAsync(dmName, cancellationToken).ConfigureAwait(false))
                .Distinct(StringComparer.Ordinal)
                .Where(FaultyTargets.ContainsKey)
                .ToList();
            foreach (var target in faulty)
            {
                problems.Add($"the device-mapper table of {volume.Name} has a '{target}' target: {FaultyTargets[target]}");
            }

            var read = await filesystem.ReadFirstBlockAsync(volume.DevicePath, ReadTimeout).ConfigureAwait(false);
            switch (read.Outcome)
            {
                case BlockReadOutcome.Failed:
                    problems.Add($"reading {volume.DevicePath} fails: {read.Detail}");
                    break;
                case BlockReadOutcome.TimedOut:
                    problems.Add($"{volume.DevicePath} does not answer: {read.Detail}");
                    break;
            }
        }

        return problems.Count == 0 ? VolumeHealthReport.Healthy : new VolumeHealthReport(true, string.Join("; ", problems));
    }
}
