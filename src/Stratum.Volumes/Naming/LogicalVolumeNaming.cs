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
