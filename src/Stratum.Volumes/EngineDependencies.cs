using Stratum.Lvm;
using Stratum.Platform.Exec;
using Stratum.Volumes.Filesystems;

namespace Stratum.Volumes;

/// <summary>
/// What the engine runs on. Left empty, <see cref="NodeEngine.Create(EngineDependencies, Func{Config.DeviceClassManager}, VolumeEngineOptions, Microsoft.Extensions.Logging.ILoggerFactory)"/>
/// builds the real things: one <see cref="CommandRunner"/> under LVM (<see cref="LvmCli"/>) and the
/// filesystem tools (<see cref="LinuxFilesystemOps"/>). Tests put an LVM simulator or fakes in place.
/// </summary>
public record EngineDependencies
{
    public ILvm? Lvm { get; init; }

    public IFilesystemOps? Filesystem { get; init; }

    /// <summary>
    /// The one command runner the real LVM and filesystem layers share (e.g. a real
    /// <see cref="CommandRunner"/> wrapped to time every command); default a <see cref="CommandRunner"/>
    /// with default options.
    /// </summary>
    public ICommandRunner? Runner { get; init; }
}
