namespace Stratum.Config.Tests;

public sealed class KeySuggesterTests
{
    private static readonly string[] Known = ["name", "volumeGroup", "default", "spare", "fsType", "lvcreate"];

    [Theory]
    [InlineData("volumegroup", "volumeGroup")]
    [InlineData("VOLUMEGROUP", "volumeGroup")]
    [InlineData("volumGroup", "volumeGroup")]
    [InlineData("volume_group", "volumeGroup")]
    [InlineData("defualt", "default")]
    [InlineData("nmae", "name")]
    [InlineData("fstype", "fsType")]
    [InlineData("lvCreate", "lvcreate")]
    [InlineData("spares", "spare")]
    [InlineData("type", null)]
    [InlineData("size", null)]
    [InlineData("x", null)]
    [InlineData("completelyDifferent", null)]
    public void Suggest_Key_ClosestKnownKeyOrNull(string key, string? expected) =>
        Assert.Equal(expected, KeySuggester.Suggest(key, Known));

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "abc", 0)]
    [InlineData("abc", "", 3)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("default", "defualt", 1)]
    [InlineData("ab", "ba", 1)]
    public void Distance_Pair_CountsEdits(string a, string b, int distance)
    {
        Assert.Equal(distance, KeySuggester.Distance(a, b));
        Assert.Equal(distance, KeySuggester.Distance(b, a));
    }
}
