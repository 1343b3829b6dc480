using Stratum.Lvm;

namespace Stratum.Testing.Lvm;

/// <summary>What an <see cref="LvmContractTests"/> test needs from its factory.</summary>
public sealed record LvmTestBedSpec
{
    /// <summary>Sizes of the PVs (devices) of the fresh VG under test, in order.</summary>
    public required IReadOnlyList<long> PhysicalVolumeSizes { get; init; }

    /// <summary>When not empty, a second fresh VG on devices of these sizes.</summary>
    public IReadOnlyList<long> SecondVolumeGroupSizes { get; init; } = [];

    /// <summary>Blank devices of these sizes that belong to no VG and are not PVs yet.</summary>
    public IReadOnlyList<long> SpareDeviceSizes { get; init; } = [];
}

/// <summary>
/// An <see cref="ILvm"/> and fresh VGs for one contract test. Disposing it removes whatever the
/// test left behind (the factory decides how).
/// </summary>
public sealed class LvmTestBed : IAsyncDisposable
{
    private readonly Func<ValueTask>? _cleanup;

    /// <summary>Creates the bed.</summary>
    /// <param name="lvm">The implementation under test.</param>
    /// <param name="volumeGroup">The fresh VG (no LVs) on <see cref="LvmTestBedSpec.PhysicalVolumeSizes"/>.</param>
    /// <param name="secondVolumeGroup">The second fresh VG, when the spec asked for one.</param>
    /// <param name="spareDevices">The blank devices, when the spec asked for them.</param>
    /// <param name="cleanup">Run on dispose.</param>
    public LvmTestBed(ILvm lvm, string volumeGroup, string? secondVolumeGroup, IReadOnlyList<string> spareDevices, Func<ValueTask>? cleanup)
    {
        ArgumentNullException.ThrowIfNull(lvm);
        ArgumentException.ThrowIfNullOrEmpty(volumeGroup);
        ArgumentNullException.ThrowIfNull(spareDevices);
        Lvm = lvm;
        VolumeGroup = volumeGroup;
        SecondVolumeGroup = secondVolumeGroup;
        SpareDevices = spareDevices;
        _cleanup = cleanup;
    }

    /// <summary>The implementation under test.</summary>
    public ILvm Lvm { get; }

    /// <summary>The fresh VG.</summary>
    public string VolumeGroup { get; }

    /// <summary>The second fresh VG, or <c>null</c>.</summary>
    public string? SecondVolumeGroup { get; }

    /// <summary>Blank devices in no VG.</summary>
    public IReadOnlyList<string> SpareDevices { get; }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _cleanup?.Invoke() ?? ValueTask.CompletedTask;
}
