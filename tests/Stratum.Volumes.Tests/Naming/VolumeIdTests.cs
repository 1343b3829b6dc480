using Stratum.Volumes.Naming;

namespace Stratum.Volumes.Tests.Naming;

public sealed class VolumeIdTests
{
    private const string Uuid = "3RceFD-hPKP-WWAz-f0NL-YSe9-NsQn-OeY7AT";

    [Fact]
    public void ToString_ThenTryParse_RoundTrips()
    {
        var id = new VolumeId("stratum", "pvc-1-a1b2c3d4", Uuid);

        Assert.True(VolumeId.TryParse(id.ToString(), out var parsed));
        Assert.Equal(id, parsed);
        Assert.Equal($"stratum:pvc-1-a1b2c3d4:{Uuid}", id.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("stratum")]
    [InlineData("stratum:lv")]
    [InlineData("stratum:lv:not-a-uuid")]
    [InlineData("stratum:lv:3RceFD-hPKP-WWAz-f0NL-YSe9-NsQn-OeY7A")]
    [InlineData("stratum:lv:3RceFD-hPKP-WWAz-f0NL-YSe9-NsQn-OeY7ATX")]
    [InlineData("stratum:lv:3RceFDhPKP-WWAz-f0NL-YSe9-NsQn-OeY7ATX")]
    [InlineData("stra tum:lv:3RceFD-hPKP-WWAz-f0NL-YSe9-NsQn-OeY7AT")]
    [InlineData("-vg:lv:3RceFD-hPKP-WWAz-f0NL-YSe9-NsQn-OeY7AT")]
    [InlineData("vg:..:3RceFD-hPKP-WWAz-f0NL-YSe9-NsQn-OeY7AT")]
    [InlineData("vg:lv;rm:3RceFD-hPKP-WWAz-f0NL-YSe9-NsQn-OeY7AT")]
    [InlineData("vg:lv:3RceFD-hPKP-WWAz-f0NL-YSe9-NsQn-OeY7AT:extra")]
    [InlineData("vg/lv/3RceFD-hPKP-WWAz-f0NL-YSe9-NsQn-OeY7AT")]
    [InlineData("vg:lv:3RceFD-hPKP-WWAz-f0NL-YSe9-NsQn-OeY7A!")]
    public void TryParse_Malformed_False(string text) => Assert.False(VolumeId.TryParse(text, out _));

    [Fact]
    public void TryParse_LongerThan128_False()
    {
        var text = $"{new string('v', 40)}:{new string('l', 60)}:{Uuid}";
        Assert.True(text.Length > VolumeId.MaxLength);
        Assert.False(VolumeId.TryParse(text, out _));
    }

    [Fact]
    public void ToString_LongestConfiguredNames_FitsCsiLimit()
    {
        // VG names are limited to 40 characters by config; generated LV names to 48.
        var id = new VolumeId(new string('v', 40), new string('l', LogicalVolumeNaming.MaxPrefixLength + 1 + LogicalVolumeNaming.HashLength), Uuid);
        Assert.True(id.ToString().Length <= VolumeId.MaxLength, $"{id.ToString().Length} characters");
    }
}
