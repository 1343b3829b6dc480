using System.Text.Json;
using Stratum.RealLvm.Tests.Harness;

namespace Stratum.RealLvm.Tests.Smoke;

/// <summary>Plain LVM commands against a VG of our own: the testbed really does LVM.</summary>
[Collection(RealLvmCollection.Name)]
public sealed class LvmSmokeTests(VolumeGroupFixture vg) : IClassFixture<VolumeGroupFixture>
{
    [Fact]
    public async Task PvsReportsTheFixturePvsInItsVg()
    {
        var pvs = Report(await Sh.RunAsync(
            "pvs", "--reportformat", "json", "-o", "pv_name,vg_name", "--select", $"vg_name={vg.VgName}"), "pv");

        Assert.Equal(vg.PvPaths.Order(), pvs.Select(pv => pv["pv_name"]).Order());
    }

    [Fact]
    public async Task CreatesATaggedLinearLvAndReportsItAsJson()
    {
        await Sh.RunAsync("lvcreate", "--yes", "-n", "smoke", "-L", "64m", "--addtag", "stratum.test=1", vg.VgName);

        var lvs = Report(await Sh.RunAsync(
            "lvs", "--reportformat", "json", "--units", "b", "--nosuffix",
            "-o", "lv_name,lv_size,lv_tags,lv_path,segtype", $"{vg.VgName}/smoke"), "lv");

        var lv = Assert.Single(lvs);
        Assert.Equal("smoke", lv["lv_name"]);
        Assert.Equal("67108864", lv["lv_size"]);
        Assert.Equal("stratum.test=1", lv["lv_tags"]);
        Assert.Equal("linear", lv["segtype"]);
        Assert.True(File.Exists(lv["lv_path"]), $"{lv["lv_path"]} is missing");
        await Sh.RunAsync("lvremove", "--yes", $"{vg.VgName}/smoke");
    }

    [Fact]
    public async Task CreatesAThinVolumeInAThinPool()
    {
        await Sh.RunAsync("lvcreate", "--yes", "--type", "thin-pool", "-n", "pool", "-L", "128m", vg.VgName);
        await Sh.RunAsync("lvcreate", "--yes", "-n", "thin", "-V", "1g", "--thinpool", "pool", vg.VgName);

        var lvs = Report(await Sh.RunAsync(
            "lvs", "--reportformat", "json", "-o", "lv_name,segtype,pool_lv", vg.VgName), "lv");

        Assert.Contains(lvs, lv => lv["lv_name"] == "pool" && lv["segtype"] == "thin-pool");
        Assert.Contains(lvs, lv => lv["lv_name"] == "thin" && lv["segtype"] == "thin" && lv["pool_lv"] == "pool");
        await Sh.RunAsync("lvremove", "--yes", $"{vg.VgName}/pool");
    }

    [Fact]
    public async Task MakesAFilesystemAndMountsItUnderRun()
    {
        await Sh.RunAsync("lvcreate", "--yes", "-n", "fs", "-L", "32m", vg.VgName);
        await Sh.RunAsync("mkfs.ext4", "-q", $"/dev/{vg.VgName}/fs");
        var target = Directory.CreateDirectory($"/run/{vg.VgName}-fs").FullName;
        await Sh.RunAsync("mount", $"/dev/{vg.VgName}/fs", target);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(target, "hello"), "stratum");
            Assert.Equal("stratum", await File.ReadAllTextAsync(Path.Combine(target, "hello")));
        }
        finally
        {
            await Sh.RunAsync("umount", target);
        }
        await Sh.RunAsync("lvremove", "--yes", $"{vg.VgName}/fs");
    }

    /// <summary>The rows of an LVM JSON report (`--reportformat json`), as name/value maps.</summary>
    private static List<Dictionary<string, string>> Report(CommandResult result, string kind)
    {
        using var json = JsonDocument.Parse(result.Stdout);
        return json.RootElement.GetProperty("report")[0].GetProperty(kind).EnumerateArray()
            .Select(row => row.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""))
            .ToList();
    }
}
