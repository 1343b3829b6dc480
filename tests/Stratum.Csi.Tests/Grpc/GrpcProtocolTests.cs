using System.Buffers;
using Stratum.Csi.Grpc;

namespace Stratum.Csi.Tests.Grpc;

public sealed class GrpcProtocolTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("5S", 50_000_000L)]
    [InlineData("100m", 1_000_000L)]
    [InlineData("250u", 2_500L)]
    [InlineData("1500n", 15L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    public void ParseTimeout_ValidValue_ReturnsDuration(string header, long ticks) =>
        Assert.Equal(TimeSpan.FromTicks(ticks), GrpcProtocol.ParseTimeout(header));

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("-5S")]
    [InlineData("1.5S")]
    [InlineData("123456789S")]
    [InlineData(" 5S")]
    public void ParseTimeout_MalformedValue_ReturnsNull(string header) =>
        Assert.Null(GrpcProtocol.ParseTimeout(header));

    [Theory]
    [InlineData(0L, "0u")]
    [InlineData(5_000_000L, "500000u")]
    [InlineData(36_000_000_000L, "3600000m")]
    [InlineData(9_000_000_000_000L, "900000S")]
    public void FormatTimeout_Duration_FitsEightDigits(long ticks, string expected) =>
        Assert.Equal(expected, GrpcProtocol.FormatTimeout(TimeSpan.FromTicks(ticks)));

    [Theory]
    [InlineData(1L)]
    [InlineData(123_456_789L)]
    [InlineData(600_000_000L)]
    [InlineData(864_000_000_000L)]
    public void FormatTimeout_ThenParse_NeverLengthensTheDeadline(long ticks)
    {
        var parsed = GrpcProtocol.ParseTimeout(GrpcProtocol.FormatTimeout(TimeSpan.FromTicks(ticks)));
        Assert.NotNull(parsed);
        Assert.True(parsed <= TimeSpan.FromTicks(ticks));
        Assert.True(parsed >= TimeSpan.FromTicks(ticks) - TimeSpan.FromSeconds(1));
    }

    [Theory]
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("100% full", "100%25 full")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("größe", "gr%C3%B6%C3%9Fe")]
    [InlineData("卷不存在", "%E5%8D%B7%E4%B8%8D%E5%AD%98%E5%9C%A8")]
    public void EncodeMessage_Text_PercentEncodesAsSpecified(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcProtocol.EncodeMessage(message));
        Assert.Equal(message, GrpcProtocol.DecodeMessage(encoded));
    }

    [Theory]
    [InlineData("50%", "50%")]
    [InlineData("%zz", "%zz")]
    [InlineData("%4", "%4")]
    public void DecodeMessage_MalformedEscape_KeptLiterally(string encoded, string expected) =>
        Assert.Equal(expected, GrpcProtocol.DecodeMessage(encoded));

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("APPLICATION/GRPC", true)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsGrpcContentType_Value_Classified(string? contentType, bool expected) =>
        Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));

    [Theory]
    [InlineData(0, false)]
    [InlineData(5, true)]
    [InlineData(16_777_216, false)]
    [InlineData(int.MaxValue, true)]
    public void FrameHeader_WriteThenRead_RoundTrips(int length, bool compressed)
    {
        var header = new byte[5];
        GrpcProtocol.WriteFrameHeader(header, length, compressed);
        var (readCompressed, readLength) = GrpcProtocol.ReadFrameHeader(new ReadOnlySequence<byte>(header));
        Assert.Equal(compressed, readCompressed);
        Assert.Equal(length, readLength);
    }

    [Fact]
    public void FrameHeader_Length_IsBigEndian()
    {
        var header = new byte[5];
        GrpcProtocol.WriteFrameHeader(header, 0x01020304);
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4 }, header);
    }
}
