namespace Stratum.Lvm;

/// <summary>
/// The default implementations of <see cref="ILvm"/>'s composite operations, in terms of its
/// single-purpose ones: correct, but several commands where <see cref="LvmCli"/> needs one, and a
/// guarded change is checked before it is made rather than in the same command.
/// </summary>
internal static class LvmFallbacks
{
    public static async Task<LvmReport> ReportAsync(ILvm lvm, string? volumeGroup, string? logicalVolumeTag, CancellationToken cancellationToken)
    {
        var groups = (await lvm.ListVolumeGroupsAsync(cancellationToken).ConfigureAwait(false))
            .Where(g => volumeGroup is null || g.Name == volumeGroup)
            .ToList();
        if (groups.Count == 0)
        {
            return new LvmReport([], [], []);
        }

        var pvs = await lvm.ListPhysicalVolumesAsync(volumeGroup, cancellationToken).ConfigureAwait(false);
        var lvs = new List<LogicalVolume>();
        if (logicalVolumeTag is not null)
        {
            lvs.AddRange((await lvm.FindLogicalVolumesByTagAsync(logicalVolumeTag, cancellationToken).ConfigureAwait(false))
                .Where(lv => volumeGroup is null || lv.VolumeGroup == volumeGroup));
        }
        else
        {
            foreach (var group in groups)
            {
                lvs.AddRange(await lvm.ListLogicalVolumesAsync(group.Name, cancellationToken).ConfigureAwait(false));
            }
        }

        return new LvmReport([.. groups], pvs, [.. lvs]);
    }

    public static async Task<bool> ChangeTagsIfAsync(
        ILvm lvm, string volumeGroup, string name, LvCondition condition, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken)
    {
        if (!await SatisfiesAsync(lvm, volumeGroup, name, condition, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await lvm.ChangeTagsAsync(volumeGroup, name, add, remove, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public static async Task<bool> RemoveVolumeIfAsync(ILvm lvm, string volumeGroup, string name, LvCondition condition, CancellationToken cancellationToken)
    {
        if (!await SatisfiesAsync(lvm, volumeGroup, name, condition, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await lvm.RemoveVolumeAsync(volumeGroup, name, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task<bool> SatisfiesAsync(ILvm lvm, string volumeGroup, string name, LvCondition condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);
        condition.Validate(nameof(condition));
        var lv = await lvm.GetLogicalVolumeAsync(volumeGroup, name, cancellationToken).ConfigureAwait(false)
            ?? throw new LvmNotFoundException($"logical volume {volumeGroup}/{name} not found", [], null, null);
        return condition.IsSatisfiedBy(lv);
    }
}
