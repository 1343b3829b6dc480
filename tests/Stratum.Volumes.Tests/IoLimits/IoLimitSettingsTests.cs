using Stratum.Volumes.Filesystems;
using Stratum.Volumes.IoLimits;

namespace Stratum.Volumes.Tests.IoLimits;

public sealed class IoLimitSettingsTests
{
    private const long Gi = 1L << 30;

    private static IoLimitSettings Parse(params (string Key, string Value)[] parameters) =>
        IoLimitSettings.Parse(parameters.Select(p => KeyValuePair.Create(p.Key, p.Value)));

    [Theory]
    [InlineData("1048576", 1048576)]
    [InlineData("10Mi", 10485760)]
    [InlineData("2k", 2000)]
    [InlineData("3M", 3000000)]
    [InlineData("1Gi", 1073741824)]
    public void Parse_Quantity_Bytes(string text, long expected)
    {
        Assert.Equal(expected, Parse(("writeBytesPerSecond", text)).Resolve(Gi).WriteBytesPerSecond);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1.5Mi")]
    [InlineData("lots")]
    [InlineData("")]
    [InlineData("99999999999999999999")]
    public void Parse_BadValue_InvalidArgument(string text)
    {
        var ex = Assert.Throws<VolumeException>(() => Parse(("readIOPS", text)));
        Assert.Equal(VolumeError.InvalidArgument, ex.Error);
        Assert.Contains("readIOPS", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OtherKeys_Ignored()
    {
        Assert.True(Parse(("deviceClass", "fast")).IsEmpty);
    }

    [Theory]
    [InlineData(10L * Gi, 1000L)]      // per-GiB rate below the ceiling: 10 GiB x 100
    [InlineData(100L * Gi, 5000L)]     // the ceiling wins: 100 x 100 > 5000
    [InlineData(Gi / 4, 25L)]          // a quarter GiB
    [InlineData(1L << 20, 1L)]         // never below 1
    public void Resolve_PerGiBWithCeiling_LowerOfTheTwo(long size, long expected)
    {
        var limits = Parse(("writeIOPS", "5000"), ("writeIOPSPerGiB", "100"));

        Assert.Equal(expected, limits.Resolve(size).WriteIops);
    }

    [Fact]
    public void Resolve_Unset_IsMax()
    {
        var line = Parse(("readBytesPerSecond", "1Mi")).Resolve(Gi).ToLine(new DeviceNumber(253, 300));

        Assert.Equal("253:300 rbps=1048576 wbps=max riops=max wiops=max", line);
    }

    [Fact]
    public void TagValue_RoundTrips()
    {
        var limits = Parse(("readBytesPerSecond", "1Mi"), ("writeIOPSPerGiB", "7"), ("readIOPS", "20"));

        var back = IoLimitSettings.FromTagValue(limits.ToTagValue());

        Assert.Equal(limits, back);
        Assert.Equal("rbps=1048576,riops=20,wiops-gib=7", limits.ToTagValue());
    }

    [Theory]
    [InlineData("rbps=x")]
    [InlineData("speed=5")]
    [InlineData("rbps=0")]
    public void FromTagValue_Damaged_Null(string value)
    {
        Assert.Null(IoLimitSettings.FromTagValue(value));
    }
}
