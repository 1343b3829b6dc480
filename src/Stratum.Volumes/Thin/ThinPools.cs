using System.Globalization;
using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Platform.Exec;
using Stratum.Volumes.Capacity;
using Stratum.Volumes.Disks;

namespace Stratum.Volumes.Thin;

/// <summary>
/// The thin pools of the node's thin device classes: creates a pool that is missing (also in a VG
/// Stratum did not build), grows a pool past its data threshold from the VG's free extents when
/// the class allows it (LVM's autoextend, without dmeventd), and decides whether a new thin volume
/// fits: under the data and metadata thresholds, and within the overprovision limit. One gate
/// serialises these decisions with the lvcreate they admit, so two volumes never both take the
/// last room.
/// </summary>
public sealed partial class ThinPools
{
    private readonly ILvm _lvm;
    private readonly CapacityCache _capacity;
    private readonly string _nodeId;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public ThinPools(ILvm lvm, CapacityCache capacity, string nodeId, ILogger logger)
    {
        _lvm = lvm;
        _capacity = capacity;
        _nodeId = nodeId;
        _logger = logger;
    }

    /// <summary>Takes the gate that serialises pool decisions with the creations they admit.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Release(_gate);
    }

    /// <summary>
    /// Makes sure the class's pool exists and is under its thresholds (creating or growing it on
    /// the way), then that a thin volume of <paramref name="sizeBytes"/> fits within the
    /// overprovision limit; <see cref="VolumeError.NoSpace"/> naming the pool and the reason when
    /// not. Call inside <see cref="EnterAsync"/>.
    /// </summary>
    public async Task<ThinPoolRoom> ReserveAsync(DeviceClass deviceClass, long sizeBytes, CancellationToken cancellationToken)
    {
        var settings = deviceClass.Thin ?? throw new ArgumentException($"device class '{deviceClass.Name}' is not thin", nameof(deviceClass));
        var vg = deviceClass.VolumeGroup;
        var room = await RoomAsync(deviceClass, cancellationToken).ConfigureAwait(false);
        var name = $"{vg}/{settings.Pool}";
        if (room.Pool is null)
        {
            room = await CreatePoolAsync(deviceClass, CancellationToken.None).ConfigureAwait(false)
                ?? throw new VolumeException(VolumeError.NoSpace, $"device class '{deviceClass.Name}' on node {_nodeId}: thin pool {name} does not exist and cannot be created: {Why(deviceClass)}");
        }

        if (!room.Pool!.IsThinPool)
        {
            throw new VolumeException(VolumeError.FailedPrecondition, $"device class '{deviceClass.Name}': {name} exists but is not a thin pool ({room.Pool.SegmentType})");
        }

        if (room.DataFull && room.GrowthRoomBytes > 0)
        {
            room = await GrowAsync(deviceClass, room, CancellationToken.None).ConfigureAwait(false);
        }

        if (room.DataFull)
        {
            throw new VolumeException(VolumeError.NoSpace,
                $"thin pool {name} of device class '{deviceClass.Name}' on node {_nodeId} is {room.DataPercent.ToString("0.##", CultureInfo.InvariantCulture)}% full of data, " +
                $"at or past its data threshold of {settings.DataThresholdPercent}%, and {CannotGrow(settings, room)}; no new volumes until space is freed");
        }

        if (room.MetadataFull)
        {
            throw new VolumeException(VolumeError.NoSpace,
                $"thin pool {name} of device class '{deviceClass.Name}' on node {_nodeId} has {room.MetadataPercent.ToString("0.##", CultureInfo.InvariantCulture)}% of its metadata in use, " +
                $"at or past its metadata threshold of {settings.MetadataThresholdPercent}%; no new volumes until volumes or snapshots are deleted (or its metadata is grown by hand)");
        }

        if (room.VirtualBytes + sizeBytes > room.VirtualLimitBytes)
        {
            throw new VolumeException(VolumeError.NoSpace,
                $"thin pool {name} of device class '{deviceClass.Name}' on node {_nodeId}: a volume of {sizeBytes} bytes would bring the virtual sizes of its volumes to " +
                $"{room.VirtualBytes + sizeBytes} bytes, over its overprovision limit of {room.VirtualLimitBytes} ({room.DataBytes} bytes of data × ratio " +
                $"{settings.OverprovisionRatio.ToString(CultureInfo.InvariantCulture)})");
        }

        return room;
    }

    /// <summary>
    /// Background upkeep after a capacity refresh: creates the thin classes' missing pools and grows
    /// those past their data threshold. Failures are logged, never thrown (the next refresh retries).
    /// </summary>
    public async Task MaintainAsync(DeviceClassManager classes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(classes);
        foreach (var deviceClass in classes.All.Where(c => c.IsThin).DistinctBy(c => (c.VolumeGroup, c.Thin!.Pool)))
        {
            if (_capacity.Find(deviceClass.VolumeGroup) is null)
            {
                continue; // the VG is not on this node (recovery and status report it)
            }

            try
            {
                using var entered = await EnterAsync(cancellationToken).ConfigureAwait(false);
                var room = await RoomAsync(deviceClass, cancellationToken).ConfigureAwait(false);
                if (room.Pool is null)
                {
                    await CreatePoolAsync(deviceClass, CancellationToken.None).ConfigureAwait(false);
                }
                else if (room.Pool.IsThinPool && room.DataFull && room.GrowthRoomBytes > 0)
                {
                    await GrowAsync(deviceClass, room, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is LvmException or CommandException or VolumeException)
            {
                Log.UpkeepFailed(_logger, deviceClass.VolumeGroup, deviceClass.Thin!.Pool, e.Message);
            }
        }
    }

    /// <summary>The room of the class's pool from the figures in memory.</summary>
    public async Task<ThinPoolRoom> RoomAsync(DeviceClass deviceClass, CancellationToken cancellationToken)
    {
        var space = await _capacity.SpaceAsync(deviceClass.VolumeGroup, $"of device class '{deviceClass.Name}' (node {_nodeId})", cancellationToken).ConfigureAwait(false);
        return ThinPoolRoom.Of(space, deviceClass.Thin!, deviceClass.SpareBytes);
    }

    private async Task<ThinPoolRoom?> CreatePoolAsync(DeviceClass deviceClass, CancellationToken cancellationToken)
    {
        var settings = deviceClass.Thin!;
        var space = _capacity.Find(deviceClass.VolumeGroup);
        if (space is null || ThinPoolRoom.InitialSize(space.Group, settings, deviceClass.SpareBytes, out var reason) is not { } size)
        {
            return null;
        }

        try
        {
            await _lvm.CreateThinPoolAsync(ThinPoolRoom.CreateRequest(deviceClass.VolumeGroup, settings, size, [DiskManager.ManagedTag]), cancellationToken).ConfigureAwait(false);
        }
        catch (LvmAlreadyExistsException)
        {
            // Made behind this process's back since the last report: use it.
        }

        Log.PoolCreated(_logger, deviceClass.VolumeGroup, settings.Pool, size, deviceClass.Name);
        await _capacity.RefreshAsync(deviceClass.VolumeGroup, cancellationToken).ConfigureAwait(false);
        return await RoomAsync(deviceClass, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ThinPoolRoom> GrowAsync(DeviceClass deviceClass, ThinPoolRoom room, CancellationToken cancellationToken)
    {
        var settings = deviceClass.Thin!;
        var space = _capacity.Find(deviceClass.VolumeGroup)!;
        var target = room.AutogrowTarget(space.ExtentBytes);
        if (target <= room.DataBytes)
        {
            return room;
        }

        var grown = await _lvm.ExtendVolumeAsync(deviceClass.VolumeGroup, settings.Pool, target, cancellationToken).ConfigureAwait(false);
        Log.PoolGrown(_logger, deviceClass.VolumeGroup, settings.Pool, room.DataBytes, grown.SizeBytes, room.DataPercent, settings.DataThresholdPercent);
        await _capacity.RefreshAsync(deviceClass.VolumeGroup, cancellationToken).ConfigureAwait(false);
        return await RoomAsync(deviceClass, cancellationToken).ConfigureAwait(false);
    }

    private string Why(DeviceClass deviceClass)
    {
        var space = _capacity.Find(deviceClass.VolumeGroup);
        return space is null ? $"volume group {deviceClass.VolumeGroup} is not on this node"
            : ThinPoolRoom.InitialSize(space.Group, deviceClass.Thin!, deviceClass.SpareBytes, out var reason) is null ? reason! : "it was not reported after its creation";
    }

    private static string CannotGrow(ThinPoolSettings settings, ThinPoolRoom room) =>
        !settings.Autogrow ? "autogrow is off for it"
        : room.GrowthRoomBytes == 0 ? "its volume group has no free extents to grow it"
        : "growing it did not bring it under the threshold";

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                gate.Release();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Created thin pool {VolumeGroup}/{Pool} with {SizeBytes} bytes of data for device class {DeviceClass}")]
        public static partial void PoolCreated(ILogger logger, string volumeGroup, string pool, long sizeBytes, string deviceClass);

        [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Grew thin pool {VolumeGroup}/{Pool} from {FromBytes} to {ToBytes} bytes: its data was {DataPercent}% full (threshold {ThresholdPercent}%)")]
        public static partial void PoolGrown(ILogger logger, string volumeGroup, string pool, long fromBytes, long toBytes, double dataPercent, int thresholdPercent);

        [LoggerMessage(EventId = 3202, Level = LogLevel.Error, Message = "Thin pool {VolumeGroup}/{Pool} could not be created or grown (retried at the next refresh): {Reason}")]
        public static partial void UpkeepFailed(ILogger logger, string volumeGroup, string pool, string reason);
    }
}
