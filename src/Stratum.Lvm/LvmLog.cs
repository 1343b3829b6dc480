using Microsoft.Extensions.Logging;

namespace Stratum.Lvm;

/// <summary>Log messages of <see cref="LvmCli"/>; event ids 1100–1199.</summary>
internal static partial class LvmLog
{
    [LoggerMessage(EventId = 1100, EventName = "LogicalVolumeCreated", Level = LogLevel.Information,
        Message = "Created {Kind} {VolumeGroup}/{Name}: {SizeBytes} bytes, uuid {Uuid}")]
    public static partial void Created(ILogger logger, string kind, string volumeGroup, string name, long sizeBytes, string uuid);

    [LoggerMessage(EventId = 1101, EventName = "LogicalVolumeExtended", Level = LogLevel.Information,
        Message = "Extended {VolumeGroup}/{Name} to {SizeBytes} bytes (requested {RequestedBytes})")]
    public static partial void Extended(ILogger logger, string volumeGroup, string name, long sizeBytes, long requestedBytes);

    [LoggerMessage(EventId = 1102, EventName = "LogicalVolumeExtendNoOp", Level = LogLevel.Debug,
        Message = "{VolumeGroup}/{Name} already has {SizeBytes} bytes (requested {RequestedBytes}); nothing to extend")]
    public static partial void ExtendNoOp(ILogger logger, string volumeGroup, string name, long sizeBytes, long requestedBytes);

    [LoggerMessage(EventId = 1103, EventName = "LogicalVolumeRemoved", Level = LogLevel.Information,
        Message = "Removed {VolumeGroup}/{Name}")]
    public static partial void Removed(ILogger logger, string volumeGroup, string name);

    [LoggerMessage(EventId = 1104, EventName = "LogicalVolumeRemoveRefused", Level = LogLevel.Warning,
        Message = "Refused to remove {VolumeGroup}/{Name}: LVs {Dependents} depend on it")]
    public static partial void RemoveRefused(ILogger logger, string volumeGroup, string name, string dependents);

    [LoggerMessage(EventId = 1105, EventName = "LogicalVolumeActivationChanged", Level = LogLevel.Debug,
        Message = "Set activation of {VolumeGroup}/{Name} to {Active}")]
    public static partial void ActivationChanged(ILogger logger, string volumeGroup, string name, bool active);

    [LoggerMessage(EventId = 1106, EventName = "LogicalVolumeTagsChanged", Level = LogLevel.Debug,
        Message = "Changed tags of {VolumeGroup}/{Name}: added {Added}, removed {Removed}")]
    public static partial void TagsChanged(ILogger logger, string volumeGroup, string name, string added, string removed);

    [LoggerMessage(EventId = 1107, EventName = "PhysicalVolumeCreated", Level = LogLevel.Information,
        Message = "Initialised {Device} as a physical volume")]
    public static partial void PhysicalVolumeCreated(ILogger logger, string device);

    [LoggerMessage(EventId = 1108, EventName = "VolumeGroupCreated", Level = LogLevel.Information,
        Message = "Created volume group {VolumeGroup} on {Devices}")]
    public static partial void VolumeGroupCreated(ILogger logger, string volumeGroup, string devices);

    [LoggerMessage(EventId = 1109, EventName = "VolumeGroupExtended", Level = LogLevel.Information,
        Message = "Extended volume group {VolumeGroup} with {Devices}")]
    public static partial void VolumeGroupExtended(ILogger logger, string volumeGroup, string devices);

    [LoggerMessage(EventId = 1110, EventName = "VolumeGroupActivated", Level = LogLevel.Information,
        Message = "Activated the logical volumes of volume group {VolumeGroup}")]
    public static partial void VolumeGroupActivated(ILogger logger, string volumeGroup);

    [LoggerMessage(EventId = 1111, EventName = "LogicalVolumeCreatedUnread", Level = LogLevel.Information,
        Message = "Created volume {VolumeGroup}/{Name} ({RequestedBytes} bytes asked for; not read back)")]
    public static partial void CreatedUnread(ILogger logger, string volumeGroup, string name, long requestedBytes);

    [LoggerMessage(EventId = 1112, EventName = "LogicalVolumeConditionNotMet", Level = LogLevel.Information,
        Message = "{Command} left {VolumeGroup}/{Name} unchanged: it does not satisfy {Condition}")]
    public static partial void ConditionNotMet(ILogger logger, string command, string volumeGroup, string name, string condition);

    [LoggerMessage(EventId = 1113, EventName = "LogicalVolumeRefreshed", Level = LogLevel.Information,
        Message = "Refreshed {VolumeGroup}/{Name}: its device's table reloaded from LVM's metadata and the device resumed")]
    public static partial void Refreshed(ILogger logger, string volumeGroup, string name);

    [LoggerMessage(EventId = 1114, EventName = "LeftoverComponentDeactivated", Level = LogLevel.Warning,
        Message = "{Command} was refused because a component LV was active on its own, as an interrupted activation leaves it; deactivated {Components} and running the command again")]
    public static partial void LeftoverComponentDeactivated(ILogger logger, string command, string components);

    [LoggerMessage(EventId = 1115, EventName = "LeftoverComponentStillActive", Level = LogLevel.Warning,
        Message = "{Command} failed because component {Component} is active on its own, and deactivating it failed too (is something inspecting it?): {Error}")]
    public static partial void LeftoverComponentStillActive(ILogger logger, string command, string component, string error);
}
