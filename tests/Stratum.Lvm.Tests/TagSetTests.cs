namespace Stratum.Lvm.Tests;

public sealed class TagSetTests
{
    [Fact]
    public void From_UnorderedWithDuplicates_SortsOrdinalAndDeduplicates()
    {
        var tags = TagSet.From(["b", "a", "B", "a"]);

        Assert.Equal(["B", "a", "b"], tags);
        Assert.Equal(3, tags.Count);
        Assert.Equal("B,a,b", tags.ToString());
    }

    [Fact]
    public void Equals_SameTagsDifferentOrder_AreEqual()
    {
        var a = TagSet.From(["x", "y"]);
        var b = TagSet.ParseLvmList("y,x");

        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, TagSet.From(["x"]));
        Assert.True(a != TagSet.Empty);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void ParseLvmList_Empty_IsEmptySet(string? list)
    {
        Assert.Same(TagSet.Empty, TagSet.ParseLvmList(list));
    }

    [Fact]
    public void Contains_Member_IsTrueOrdinal()
    {
        var tags = TagSet.ParseLvmList("a=b,stratum/name=x#2f");

        Assert.True(tags.Contains("a=b"));
        Assert.True(tags.Contains("stratum/name=x#2f"));
        Assert.False(tags.Contains("A=B"));
        Assert.False(tags.Contains("a"));
    }
}
