using System.Numerics;
using Stratum.Platform.Exec;

namespace Stratum.Testing.Lvm;

/// <summary>Settings of <see cref="LvmSimulator"/>.</summary>
public sealed record LvmSimulatorOptions
{
    /// <summary>Physical extent size of VGs the simulator creates. Default 4 MiB, as <c>vgcreate</c>'s.</summary>
    public long ExtentSizeBytes
    {
        get;
        init
        {
            if (value < 4096 || !BitOperations.IsPow2(value))
            {
                throw new ArgumentOutOfRangeException(nameof(ExtentSizeBytes), value, "The extent size must be a power of two of at least 4096 bytes.");
            }

            field = value;
        }
    } = 4L << 20;

    /// <summary>
    /// When set, every LV except thin pools is backed by a sparse file under
    /// <c>{BackingDirectory}/data</c>, attached to a real loop device while the LV is active, and
    /// <see cref="Stratum.Lvm.LogicalVolume.Path"/> is a symlink <c>{BackingDirectory}/dev/VG/LV</c>
    /// to that loop device. Needs root and <c>losetup</c>. When <c>null</c> (the default) nothing
    /// touches the disk: paths are <c>/dev/VG/LV</c> and kernel device numbers are made up.
    /// </summary>
    public string? BackingDirectory { get; init; }

    /// <summary>Runs <c>losetup</c> and <c>cp</c> for device backing; default: the real <see cref="CommandRunner"/>.</summary>
    public ICommandRunner? CommandRunner { get; init; }

    /// <summary>Where mounted filesystems are read from to tell whether a backed LV is open.</summary>
    public string MountInfoPath { get; init; } = "/proc/self/mountinfo";
}
