using Stratum.Lvm;
using Stratum.Volumes.Metadata;
using Stratum.Volumes.Naming;

namespace Stratum.Volumes;

/// <summary>
/// Finds Stratum's volumes in LVM. Reads only: every lookup asks LVM (tags are the only store),
/// and checks ownership and the exact LV UUID, so an id never resolves to an LV Stratum does not
/// own or to a newer LV that merely reuses the name.
/// </summary>
public sealed class VolumeCatalog(ILvm lvm)
{
    /// <summary>The volume <paramref name="id"/> names, or null when that exact LV no longer exists or is not Stratum's.</summary>
    public async Task<ManagedVolume?> FindAsync(VolumeId id, CancellationToken cancellationToken)
    {
        var lv = await lvm.GetLogicalVolumeAsync(id.VolumeGroup, id.LogicalVolume, cancellationToken).ConfigureAwait(false);
        return lv is not null && lv.Uuid == id.Uuid ? ManagedVolume.From(lv) : null;
    }

    /// <summary>Resolves a CSI volume id string; null when it is malformed or resolves to nothing.</summary>
    public async Task<ManagedVolume?> FindAsync(string volumeId, CancellationToken cancellationToken) =>
        VolumeId.TryParse(volumeId, out var id) ? await FindAsync(id, cancellationToken).ConfigureAwait(false) : null;

    /// <summary>The LV at <c>vg/lv</c> whatever it is (ours or not), or null.</summary>
    public Task<LogicalVolume?> GetLogicalVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken) =>
        lvm.GetLogicalVolumeAsync(volumeGroup, name, cancellationToken);

    /// <summary>Every volume Stratum owns on this node, in every VG, ordered by volume id.</summary>
    public async Task<IReadOnlyList<ManagedVolume>> ListAsync(CancellationToken cancellationToken)
    {
        var lvs = await lvm.FindLogicalVolumesByTagAsync(VolumeMetadata.OwnerTag, cancellationToken).ConfigureAwait(false);
        return lvs.Select(ManagedVolume.From)
            .OfType<ManagedVolume>()
            .OrderBy(v => v.Id.ToString(), StringComparer.Ordinal)
            .ToList();
    }
}
