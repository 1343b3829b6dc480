using System.Diagnostics.CodeAnalysis;
using Stratum.Lvm;

namespace Stratum.Volumes.Naming;

/// <summary>
/// The CSI volume id: <c>VG:LV:LV-UUID</c>. It pins one exact logical volume: a volume created
/// later with the same name (after a disk or VG was recreated) has another UUID, so a stale
/// PersistentVolume can never be served by a new, empty LV.
/// </summary>
public sealed record VolumeId(string VolumeGroup, string LogicalVolume, string Uuid)
{
    /// <summary>The CSI limit on volume id length, in bytes.</summary>
    public const int MaxLength = 128;

    public override string ToString() => $"{VolumeGroup}:{LogicalVolume}:{Uuid}";

    /// <summary>Parses an id made by <see cref="ToString"/>; false for anything else.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out VolumeId? id)
    {
        id = null;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            return false;
        }

        var parts = text.Split(':');
        if (parts.Length != 3 || !LvmValidation.IsValidVolumeGroupName(parts[0]) || !LvmValidation.IsValidLogicalVolumeName(parts[1]) || !IsLvmUuid(parts[2]))
        {
            return false;
        }

        id = new VolumeId(parts[0], parts[1], parts[2]);
        return true;
    }

    /// <summary>LVM's 38-character UUID form: 32 alphanumerics grouped 6-4-4-4-4-4-6.</summary>
    public static bool IsLvmUuid(string text)
    {
        ReadOnlySpan<int> groups = [6, 4, 4, 4, 4, 4, 6];
        var position = 0;
        for (var g = 0; g < groups.Length; g++)
        {
            if (g > 0)
            {
                if (position >= text.Length || text[position] != '-')
                {
                    return false;
                }

                position++;
            }

            for (var i = 0; i < groups[g]; i++, position++)
            {
                if (position >= text.Length || !char.IsAsciiLetterOrDigit(text[position]))
                {
                    return false;
                }
            }
        }

        return position == text.Length;
    }
}
