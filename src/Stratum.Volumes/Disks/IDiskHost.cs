using Stratum.Volumes.Filesystems;
using Stratum.Platform;

namespace Stratum.Volumes.Disks;

/// <summary>
/// What disk management reads of the machine: directory listings under <c>/dev</c>, device numbers,
/// sysfs facts and the mount table. <see cref="LinuxDiskHost"/> reads the real ones; tests use canned facts.
/// </summary>
public interface IDiskHost
{
    /// <summary>The entry names of <paramref name="directory"/>; empty when it does not exist.</summary>
    IReadOnlyList<string> ListDirectory(string directory);

    /// <summary>The device number of <paramref name="path"/> when it is (or links to) a block device, else null.</summary>
    DeviceNumber? BlockDeviceNumber(string path);

    /// <summary>sysfs facts of the block device, or null when it is gone.</summary>
    BlockDevice? Describe(DeviceNumber number);

    /// <summary>sysfs facts of the block device with this kernel name, or null.</summary>
    BlockDevice? Describe(string kernelName);

    /// <summary>
    /// The mounts to respect: this process's and, when visible (hostPID), the host's (<c>/proc/1/mountinfo</c>),
    /// so a disk the host mounted is seen from inside the plugin's container too.
    /// </summary>
    IReadOnlyList<MountEntry> Mounts();
}
