namespace Stratum.Lvm;

/// <summary>Conveniences over <see cref="ILvm"/>.</summary>
public static class LvmExtensions
{
    /// <summary>Adds tags to an LV.</summary>
    public static Task AddTagsAsync(this ILvm lvm, string volumeGroup, string name, IReadOnlyCollection<string> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lvm);
        return lvm.ChangeTagsAsync(volumeGroup, name, tags, [], cancellationToken);
    }

    /// <summary>Removes tags from an LV (absent tags are ignored).</summary>
    public static Task RemoveTagsAsync(this ILvm lvm, string volumeGroup, string name, IReadOnlyCollection<string> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lvm);
        return lvm.ChangeTagsAsync(volumeGroup, name, [], tags, cancellationToken);
    }
}
