using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Stratum.Lvm;

/// <summary>
/// Recognises the failure LVM reports when a command needs a thin pool (or another LV with
/// sub-LVs) activated while one of its component LVs is active on its own. That state is what an
/// activation killed half-way leaves behind: activating a pool first activates <c>pool_tmeta</c>
/// alone to check it, and a kill at that moment leaves it active. From then on LVM refuses every
/// activation of the pool ("Activation of logical volume vg/pool is prohibited while logical volume
/// vg/pool_tmeta is active.", "Cannot resize logical volume vg/pool with active component LV(s).")
/// until the component is deactivated, which <see cref="LvmCli"/> then does once and retries.
/// </summary>
internal static partial class LeftoverComponents
{
    private static readonly string[] ThinPoolComponentSuffixes = ["_tmeta", "_tdata"];

    /// <summary>
    /// The components (<c>vg/lv</c>) that <paramref name="standardError"/> names as active and in
    /// the way, or empty when the failure is of another kind. Only names LVM reserves for
    /// component LVs are returned, so nothing a user named is ever deactivated on this account.
    /// </summary>
    public static ImmutableArray<string> InTheWay(string standardError)
    {
        var found = ImmutableArray.CreateBuilder<string>();
        foreach (Match match in ProhibitedPattern().Matches(standardError))
        {
            Add(found, match.Groups["vg"].Value, match.Groups["lv"].Value);
        }

        foreach (Match match in ResizePattern().Matches(standardError))
        {
            foreach (var suffix in ThinPoolComponentSuffixes)
            {
                Add(found, match.Groups["vg"].Value, match.Groups["lv"].Value + suffix);
            }
        }

        return found.ToImmutable();
    }

    private static void Add(ImmutableArray<string>.Builder found, string volumeGroup, string component)
    {
        var full = $"{volumeGroup}/{component}";
        if (LvmValidation.CheckVolumeGroupName(volumeGroup) is null && LvmValidation.IsComponentName(component) && !found.Contains(full))
        {
            found.Add(full);
        }
    }

    // "Activation of logical volume vg/pool is prohibited while logical volume vg/pool_tmeta is active."
    // (lvcreate of a thin LV or snapshot, lvremove of a thin LV, lvchange -ay of a thin LV).
    [GeneratedRegex(@"is prohibited while logical volume (?<vg>[^/\s]+)/(?<lv>[^\s/]+?)\.? is active",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ProhibitedPattern();

    // "Cannot resize logical volume vg/pool with active component LV(s)." (lvextend of the pool).
    [GeneratedRegex(@"cannot resize logical volume (?<vg>[^/\s]+)/(?<lv>\S+) with active component lv",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ResizePattern();
}
