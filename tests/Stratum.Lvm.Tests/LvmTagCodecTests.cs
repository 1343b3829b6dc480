namespace Stratum.Lvm.Tests;

public sealed class LvmTagCodecTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("pvc-123", "pvc-123")]
    [InlineData("ns/pvc", "ns/pvc")]
    [InlineData("a b", "a#20b")]
    [InlineData("#", "#23")]
    [InlineData("-x", "#2Dx")]
    [InlineData("x-", "x-")]
    [InlineData("a,b", "a#2Cb")]
    [InlineData("@", "#40")]
    [InlineData("ü", "#C3#BC")]
    [InlineData("😀", "#F0#9F#98#80")]
    [InlineData("a;rm -rf /", "a#3Brm#20-rf#20/")]
    public void Encode_Table_EscapesExactlyWhatLvmRejects(string value, string expected)
    {
        Assert.Equal(expected, LvmTagCodec.Encode(value));
    }

    [Theory]
    [InlineData("pvc-0f3c9a1e-2b4d-4c6e-8f00-112233445566")]
    [InlineData("-leading-dash")]
    [InlineData("###")]
    [InlineData("#2F is not an escape here")]
    [InlineData("with space, comma; semicolon 'quote' \"dq\" \\ backslash")]
    [InlineData("日本語のボリューム")]
    [InlineData("emoji 😀 and ZWJ 👩‍👩‍👧")]
    [InlineData("\t\n\r\0")]
    [InlineData("ns/name=value!:&+.")]
    public void EncodeDecode_AnyString_RoundTripsAndIsValidTag(string value)
    {
        var encoded = LvmTagCodec.Encode(value);

        Assert.True(LvmValidation.IsValidTag("stratum.io/name=" + encoded));
        Assert.True(LvmValidation.IsValidTag(encoded), encoded);
        Assert.Equal(value, LvmTagCodec.Decode(encoded));
    }

    [Fact]
    public void EncodeDecode_AllBmpCharacters_RoundTrip()
    {
        var chars = Enumerable.Range(0, 0x10000).Where(c => c is < 0xD800 or > 0xDFFF).Select(c => (char)c).ToArray();
        var value = new string(chars);

        var encoded = LvmTagCodec.Encode(value);

        Assert.All(encoded, c => Assert.True(LvmValidation.IsTagChar(c)));
        Assert.Equal(value, LvmTagCodec.Decode(encoded));
    }

    [Fact]
    public void Encode_LoneSurrogate_Throws()
    {
        Assert.ThrowsAny<ArgumentException>(() => LvmTagCodec.Encode("a\uD800b"));
    }

    [Theory]
    [InlineData("x#2f", "x/")]
    [InlineData("#C3#bc", "ü")]
    public void Decode_LowerCaseHex_IsAccepted(string encoded, string expected)
    {
        Assert.Equal(expected, LvmTagCodec.Decode(encoded));
    }

    [Theory]
    [InlineData("#")]
    [InlineData("#2")]
    [InlineData("#ZZ")]
    [InlineData("a b")]
    [InlineData("#C3")]
    [InlineData("#FF")]
    [InlineData("ü")]
    public void Decode_Malformed_ThrowsFormatException(string encoded)
    {
        Assert.Throws<FormatException>(() => LvmTagCodec.Decode(encoded));
        Assert.False(LvmTagCodec.TryDecode(encoded, out _));
    }
}
