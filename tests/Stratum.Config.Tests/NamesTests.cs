namespace Stratum.Config.Tests;

public sealed class NamesTests
{
    [Theory]
    [InlineData("default", true)]
    [InlineData("a", true)]
    [InlineData("0", true)]
    [InlineData("fast-ssd", true)]
    [InlineData("tier.1", true)]
    [InlineData("a--b..c", true)]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0", true)]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("Fast", false)]
    [InlineData("-fast", false)]
    [InlineData("fast-", false)]
    [InlineData(".fast", false)]
    [InlineData("fast.", false)]
    [InlineData("fast_ssd", false)]
    [InlineData("fast ssd", false)]
    [InlineData("fäst", false)]
    public void IsDeviceClassName_Name_MatchesRule(string? name, bool valid) =>
        Assert.Equal(valid, Names.IsDeviceClassName(name));

    [Theory]
    [InlineData("stratum", true)]
    [InlineData("VG_01", true)]
    [InlineData("vg+data.x-1", true)]
    [InlineData("_vg", true)]
    [InlineData(".vg", true)]
    [InlineData("...", true)]
    [InlineData("a234567890123456789012345678901234567890", true)]
    [InlineData("a2345678901234567890123456789012345678901", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("-vg", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("vg/data", false)]
    [InlineData("vg data", false)]
    [InlineData("vg:1", false)]
    [InlineData("väg", false)]
    public void IsVolumeGroupName_Name_MatchesLvmRule(string? name, bool valid) =>
        Assert.Equal(valid, Names.IsVolumeGroupName(name));
}
