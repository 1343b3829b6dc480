namespace Stratum.Volumes.Capacity;

/// <summary>
/// What a device class can still give, as GetCapacity reports it.
/// </summary>
/// <param name="AvailableBytes">Total still provisionable (after the spare), in volume bytes.</param>
/// <param name="MaximumVolumeBytes">The largest single volume that would fit now.</param>
/// <param name="VolumeGroupPresent">False when the class's VG is not on this node (both figures are then 0).</param>
public sealed record ClassCapacity(long AvailableBytes, long MaximumVolumeBytes, bool VolumeGroupPresent)
{
    public static ClassCapacity None { get; } = new(0, 0, false);
}
