using Microsoft.Extensions.Logging;

namespace Stratum.Volumes.Filesystems;

/// <summary>Log messages of <see cref="LinuxFilesystemOps"/>; event ids 3100–3199.</summary>
internal static partial class FilesystemLog
{
    [LoggerMessage(EventId = 3100, EventName = "DeviceProbed", Level = LogLevel.Debug,
        Message = "Probed {Device}: {Contents}")]
    public static partial void Probed(ILogger logger, string device, string contents);

    [LoggerMessage(EventId = 3101, EventName = "DeviceAmbivalent", Level = LogLevel.Warning,
        Message = "blkid found several signatures on {Device}; treating it as not blank: {StandardError}")]
    public static partial void Ambivalent(ILogger logger, string device, string standardError);

    [LoggerMessage(EventId = 3102, EventName = "FilesystemCreated", Level = LogLevel.Information,
        Message = "Created {FsType} on {Device} in {DurationMs} ms")]
    public static partial void Formatted(ILogger logger, string fsType, string device, long durationMs);

    [LoggerMessage(EventId = 3103, EventName = "FilesystemMounted", Level = LogLevel.Information,
        Message = "Mounted {Device} ({FsType}) on {Target} with options [{Options}]")]
    public static partial void Mounted(ILogger logger, string device, string fsType, string target, string options);

    [LoggerMessage(EventId = 3104, EventName = "BindMounted", Level = LogLevel.Information,
        Message = "Bind-mounted {Source} on {Target} ({Access}) with options [{Options}]")]
    public static partial void BindMounted(ILogger logger, string source, string target, string access, string options);

    [LoggerMessage(EventId = 3105, EventName = "BindMountUndone", Level = LogLevel.Warning,
        Message = "Undid the bind mount of {Source} on {Target} because its remount step failed: {Reason}")]
    public static partial void BindUndone(ILogger logger, string source, string target, string reason);

    [LoggerMessage(EventId = 3106, EventName = "BindMountUndoFailed", Level = LogLevel.Error,
        Message = "Could not undo the bind mount of {Source} on {Target}; it is still mounted without its requested options")]
    public static partial void BindUndoFailed(ILogger logger, Exception exception, string source, string target);

    [LoggerMessage(EventId = 3107, EventName = "Unmounted", Level = LogLevel.Information,
        Message = "Unmounted {Target}")]
    public static partial void Unmounted(ILogger logger, string target);

    [LoggerMessage(EventId = 3108, EventName = "FilesystemGrown", Level = LogLevel.Information,
        Message = "Grew {FsType} on {Device} (mounted at {MountPoint}) in {DurationMs} ms")]
    public static partial void Grown(ILogger logger, string fsType, string device, string mountPoint, long durationMs);

    [LoggerMessage(EventId = 3109, EventName = "Discarded", Level = LogLevel.Information,
        Message = "Discarded every block of {Device} in {DurationMs} ms")]
    public static partial void Discarded(ILogger logger, string device, long durationMs);

    [LoggerMessage(EventId = 3110, EventName = "DiscardUnsupported", Level = LogLevel.Information,
        Message = "{Device} takes no discards; its blocks were left as they are")]
    public static partial void DiscardUnsupported(ILogger logger, string device);

    [LoggerMessage(EventId = 3111, EventName = "MappingCreated", Level = LogLevel.Information,
        Message = "Created the read-only device {Name} over {Backing} ({Sectors} sectors)")]
    public static partial void MappingCreated(ILogger logger, string name, string backing, long sectors);

    [LoggerMessage(EventId = 3112, EventName = "MappingResized", Level = LogLevel.Information,
        Message = "Resized the read-only device {Name} to {Sectors} sectors")]
    public static partial void MappingResized(ILogger logger, string name, long sectors);

    [LoggerMessage(EventId = 3113, EventName = "MappingRemoved", Level = LogLevel.Information,
        Message = "Removed the device {Name}")]
    public static partial void MappingRemoved(ILogger logger, string name);
}
