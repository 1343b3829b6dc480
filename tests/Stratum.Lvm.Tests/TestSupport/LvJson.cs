using System.Text.Json;

namespace Stratum.Lvm.Tests.TestSupport;

/// <summary>Builds lvs JSON in LVM's shape for argv tests (row values are the real strings LVM prints).</summary>
internal static class LvJson
{
    public static string Report(params Dictionary<string, string>[] rows) =>
        "{\"report\": [ {\"lv\": [" + string.Join(", ", rows.Select(r => JsonSerializer.Serialize(r))) + "]} ]}";

    public static Dictionary<string, string> Row(
        string vg,
        string name,
        long size = 104857600,
        string tags = "",
        string attr = "-wi-a-----",
        string segtype = "linear",
        string pool = "",
        string origin = "",
        string uuid = "3RceFD-hPKP-WWAz-f0NL-YSe9-NsQn-OeY7AT") => new()
    {
        ["lv_name"] = name,
        ["vg_name"] = vg,
        ["lv_uuid"] = uuid,
        ["lv_size"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["lv_tags"] = tags,
        ["lv_attr"] = attr,
        ["lv_path"] = segtype == "thin-pool" ? "" : $"/dev/{vg}/{name}",
        ["lv_dm_path"] = $"/dev/mapper/{vg}-{name}",
        ["lv_kernel_major"] = "253",
        ["lv_kernel_minor"] = "4",
        ["pool_lv"] = pool,
        ["origin"] = origin,
        ["data_percent"] = segtype is "thin" or "thin-pool" ? "0.00" : "",
        ["metadata_percent"] = segtype == "thin-pool" ? "10.94" : "",
        ["segtype"] = segtype,
        ["lv_active"] = "active",
        ["stripes"] = segtype == "thin" ? "0" : "1",
    };
}
