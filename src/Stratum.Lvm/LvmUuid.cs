using System.Diagnostics.CodeAnalysis;

namespace Stratum.Lvm;

/// <summary>
/// LVM's identifiers as the kernel shows them. An active LV's device-mapper device carries the
/// UUID <c>LVM-</c> + the VG's 32-character id + the LV's, without the dashes LVM prints
/// (<c>lvs -o lv_uuid</c> groups the 32 characters 6-4-4-4-4-4-6). Sub-LVs and layered devices
/// add a suffix (<c>-tpool</c>, <c>-real</c>, ...); those are not an LV's own device.
/// </summary>
public static class LvmUuid
{
    private const string Prefix = "LVM-";
    private const int IdLength = 32;
    private static readonly int[] Groups = [6, 4, 4, 4, 4, 4, 6];

    /// <summary>The LV UUID (as <c>lvs</c> prints it) of the LV whose own device has device-mapper UUID <paramref name="deviceMapperUuid"/>.</summary>
    public static bool TryFromDeviceMapperUuid(string? deviceMapperUuid, [NotNullWhen(true)] out string? lvUuid)
    {
        lvUuid = null;
        if (deviceMapperUuid is null || deviceMapperUuid.Length != Prefix.Length + (2 * IdLength)
            || !deviceMapperUuid.StartsWith(Prefix, StringComparison.Ordinal)
            || !deviceMapperUuid.AsSpan(Prefix.Length).ContainsOnlyIdCharacters())
        {
            return false;
        }

        var id = deviceMapperUuid.AsSpan(Prefix.Length + IdLength);
        var parts = new List<string>(Groups.Length);
        var at = 0;
        foreach (var length in Groups)
        {
            parts.Add(id.Slice(at, length).ToString());
            at += length;
        }

        lvUuid = string.Join('-', parts);
        return true;
    }

    private static bool ContainsOnlyIdCharacters(this ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
