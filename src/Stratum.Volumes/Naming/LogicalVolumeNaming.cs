using System.Security.Cryptography;
using System.Text;

namespace Stratum.Volumes.Naming;

/// <summary>
/// Derives the LV name of a volume from its CSI name, deterministically: the same CSI name always
/// maps to the same LV, so a retried CreateVolume finds the LV it made before. The name keeps a
/// readable prefix of the CSI name (admins read <c>lvs</c>) and ends with a hash of the full name,
/// so names that share a prefix or differ only in characters LVM forbids still get distinct LVs.
/// The CSI name itself is kept in a tag, which is what identity checks compare.
/// </summary>
public static class LogicalVolumeNaming
{
    /// <summary>Longest readable prefix kept; the whole LV name is at most 48 characters.</summary>
    public const int MaxPrefixLength = 39;

    public const int HashLength = 8;

    /// <summary>
    /// The LV name of a snapshot: <c>snap-</c>, a readable prefix of its name, and a hash of the name
    /// in a space of its own, so a snapshot never gets the LV name of a volume.
    /// </summary>
    public static string ForSnapshotName(string csiName)
    {
        ArgumentException.ThrowIfNullOrEmpty(csiName);
        var readable = ForCsiName(csiName)[..^(HashLength + 1)];
        readable = readable.StartsWith("v-", StringComparison.Ordinal) ? readable[2..] : readable;
        var name = ("snap-" + readable)[..Math.Min(MaxPrefixLength, 5 + readable.Length)].TrimEnd('-');
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("snapshot\0" + csiName)))[..HashLength];
        return $"{name}-{hash}";
    }

    /// <summary>The LV name of the short-lived point-in-time LV a copy of <paramref name="lvName"/> reads from.</summary>
    public static string PointInTimeFor(string lvName) => lvName + ".pit";

    public static string ForCsiName(string csiName)
    {
        ArgumentException.ThrowIfNullOrEmpty(csiName);
        var prefix = new StringBuilder(MaxPrefixLength);
        foreach (var c in csiName)
        {
            if (prefix.Length == MaxPrefixLength)
            {
                break;
            }

            // Only [A-Za-z0-9.+-]: '_' is mapped away too, so no LVM-reserved suffix such as
            // _tdata, _rimage or _mlog can ever appear in a name we make.
            prefix.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '+' or '-' ? c : '-');
        }

        var readable = prefix.ToString().TrimStart('-', '.');
        if (readable.Length == 0
            || readable.StartsWith("snapshot", StringComparison.Ordinal)
            || readable.StartsWith("pvmove", StringComparison.Ordinal))
        {
            readable = "v-" + readable;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(csiName)))[..HashLength];
        return $"{readable.TrimEnd('-')}-{hash}";
    }
}
