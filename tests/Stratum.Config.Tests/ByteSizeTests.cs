namespace Stratum.Config.Tests;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1073741824", 1073741824L)]
    [InlineData("1Ki", 1024L)]
    [InlineData("512Mi", 536870912L)]
    [InlineData("1Gi", 1073741824L)]
    [InlineData("1.5Gi", 1610612736L)]
    [InlineData("2Ti", 2199023255552L)]
    [InlineData("1k", 1000L)]
    [InlineData("1K", 1000L)]
    [InlineData("10M", 10000000L)]
    [InlineData("1G", 1000000000L)]
    [InlineData("1GiB", 1073741824L)]
    [InlineData("100MB", 100000000L)]
    [InlineData(" 5Gi ", 5368709120L)]
    [InlineData("0.5Ki", 512L)]
    [InlineData("1.0001Ki", 1025L)]
    public void Parse_ValidText_ReturnsBytes(string text, long bytes) =>
        Assert.Equal(bytes, ByteSize.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("Gi")]
    [InlineData("-1Gi")]
    [InlineData("1 Gi")]
    [InlineData("1Xi")]
    [InlineData("1e9")]
    [InlineData("99999999Pi")]
    [InlineData("lots")]
    public void TryParse_InvalidText_FailsWithReason(string text)
    {
        Assert.False(ByteSize.TryParse(text, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(1000L, "1000")]
    [InlineData(1024L, "1Ki")]
    [InlineData(1610612736L, "1536Mi")]
    [InlineData(1073741824L, "1Gi")]
    [InlineData(4194304L * 3, "12Mi")]
    public void Format_Bytes_LargestExactUnit(long bytes, string text) =>
        Assert.Equal(text, ByteSize.Format(bytes));
}
