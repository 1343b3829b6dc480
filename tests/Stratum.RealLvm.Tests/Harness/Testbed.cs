namespace Stratum.RealLvm.Tests.Harness;

/// <summary>
/// The VM testbed these tests need (tests/testbed/run sets it up). Outside it every real-LVM
/// test fails with <see cref="TestbedRequiredException"/>: these tests are never skipped, so a
/// run that silently tested nothing cannot pass.
/// </summary>
public static class Testbed
{
    private static readonly Lazy<string?> Problem = new(FindProblem);

    /// <summary>The blank disks the testbed attached, in order (/dev/vda, /dev/vdb, ...).</summary>
    public static IReadOnlyList<string> Disks { get; } =
        (Environment.GetEnvironmentVariable("STRATUM_TESTBED_DISKS") ?? "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>How many disks the disk-management tests take whole (examples/disks.yaml names /dev/vd[a-c]).</summary>
    public const int WholeDiskCount = 3;

    /// <summary>
    /// The first <see cref="WholeDiskCount"/> disks, kept whole for the disk-management tests, when the
    /// testbed has enough disks to leave at least two for slices (5 or more); otherwise none.
    /// </summary>
    public static IReadOnlyList<string> WholeDisks { get; } =
        Disks.Count >= WholeDiskCount + 2 ? [.. Disks.Take(WholeDiskCount)] : [];

    /// <summary>The disks <see cref="DiskPool"/> carves into slices: all but <see cref="WholeDisks"/>.</summary>
    public static IReadOnlyList<string> SliceDisks { get; } = [.. Disks.Skip(WholeDisks.Count)];

    /// <summary>Throws unless this process runs inside the testbed. Cheap after the first call.</summary>
    public static void Require()
    {
        if (Problem.Value is { } problem)
        {
            throw new TestbedRequiredException(problem);
        }
    }

    private static string? FindProblem()
    {
        var problems = new List<string>();
        if (Environment.GetEnvironmentVariable("STRATUM_TESTBED") != "1")
        {
            problems.Add("STRATUM_TESTBED is not 1, so this is not the VM testbed");
        }
        if (!File.Exists("/dev/mapper/control"))
        {
            problems.Add("/dev/mapper/control is missing: no device-mapper in this kernel");
        }
        if (!Environment.IsPrivilegedProcess)
        {
            problems.Add("not running as root");
        }
        if (Environment.GetEnvironmentVariable("DM_DISABLE_UDEV") != "1")
        {
            problems.Add("DM_DISABLE_UDEV is not 1 (the testbed has no udev; LVM would wait for it)");
        }
        if (Disks.Count == 0)
        {
            problems.Add("STRATUM_TESTBED_DISKS names no disks (boot the testbed with --disks N)");
        }
        foreach (var disk in Disks)
        {
            if (!File.Exists($"/sys/class/block/{Path.GetFileName(disk)}/dev"))
            {
                problems.Add($"{disk} from STRATUM_TESTBED_DISKS is not a block device");
            }
        }
        return problems.Count == 0
            ? null
            : "The real-LVM tests must run inside the VM testbed, e.g. with tests/real-lvm. Here: "
              + string.Join("; ", problems) + ".";
    }
}

/// <summary>Thrown by every real-LVM fixture and test outside the VM testbed.</summary>
public sealed class TestbedRequiredException(string message) : Exception(message);
