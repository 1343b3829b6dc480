using Stratum.Lvm;
using Stratum.Volumes.Naming;

namespace Stratum.Volumes.Tests.Naming;

public sealed class LogicalVolumeNamingTests
{
    [Theory]
    [InlineData("pvc-5671a2cd-6b25-11e9-acd6-901b0ec4277a", "pvc-5671a2cd-6b25-11e9-acd6-901b0ec4277")]
    [InlineData("data", "data")]
    [InlineData("my_volume", "my-volume")]
    [InlineData("ünïcödé", "n-c-d")]
    [InlineData("ü", "v")]
    [InlineData("--lead", "lead")]
    [InlineData("snapshot-1", "v-snapshot-1")]
    [InlineData("pvmove0", "v-pvmove0")]
    [InlineData("a b;c", "a-b-c")]
    [InlineData("x_tdata", "x-tdata")]
    public void ForCsiName_Name_ReadablePrefixPlusHash(string csiName, string prefix)
    {
        var lv = LogicalVolumeNaming.ForCsiName(csiName);

        Assert.StartsWith(prefix + "-", lv, StringComparison.Ordinal);
        Assert.Matches("-[0-9a-f]{8}$", lv);
        Assert.True(LvmValidation.IsValidLogicalVolumeName(lv), lv);
        Assert.True(lv.Length <= LogicalVolumeNaming.MaxPrefixLength + 1 + LogicalVolumeNaming.HashLength);
    }

    [Fact]
    public void ForCsiName_SameName_SameLv() =>
        Assert.Equal(LogicalVolumeNaming.ForCsiName("pvc-1"), LogicalVolumeNaming.ForCsiName("pvc-1"));

    [Theory]
    [InlineData("my_volume", "my-volume")]
    [InlineData("a b", "a-b")]
    [InlineData("pvc-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "pvc-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2")]
    public void ForCsiName_NamesSharingReadablePart_DifferentLvs(string a, string b) =>
        Assert.NotEqual(LogicalVolumeNaming.ForCsiName(a), LogicalVolumeNaming.ForCsiName(b));

    [Fact]
    public void ForCsiName_ThousandsOfProvisionerNames_NoCollisionsAllValid()
    {
        var names = Enumerable.Range(0, 5000).Select(_ => "pvc-" + Guid.NewGuid()).ToList();
        var lvs = names.Select(LogicalVolumeNaming.ForCsiName).ToList();

        Assert.Equal(names.Count, lvs.Distinct(StringComparer.Ordinal).Count());
        Assert.All(lvs, lv => Assert.True(LvmValidation.IsValidLogicalVolumeName(lv), lv));
    }
}
