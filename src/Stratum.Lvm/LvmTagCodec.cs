using System.Text;

namespace Stratum.Lvm;

/// <summary>
/// Reversibly encodes any string (any Unicode) into characters LVM accepts in a tag, so values
/// such as CSI volume names can be stored in tags. Tag characters other than <c>#</c> stand for
/// themselves; every other UTF-8 byte, and <c>#</c> itself, becomes <c>#HH</c> (upper-case hex).
/// A leading <c>-</c> is escaped too, since a tag must not start with one.
/// </summary>
/// <example><c>Encode("ns/pvc #1 ü")</c> is <c>"ns/pvc#20#231#20#C3#BC"</c>.</example>
public static class LvmTagCodec
{
    private const char Escape = '#';
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Encodes <paramref name="value"/>; the result is a valid tag unless it is empty or too long.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not valid UTF-16 (lone surrogate).</exception>
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = StrictUtf8.GetBytes(value);
        var sb = new StringBuilder(bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            var c = (char)b;
            if (b < 0x80 && c != Escape && LvmValidation.IsTagChar(c) && !(i == 0 && c == '-'))
            {
                sb.Append(c);
            }
            else
            {
                sb.Append(Escape).Append(HexDigit(b >> 4)).Append(HexDigit(b & 0xF));
            }
        }

        return sb.ToString();
    }

    /// <summary>Reverses <see cref="Encode"/>.</summary>
    /// <exception cref="FormatException">The text is not something <see cref="Encode"/> produces.</exception>
    public static string Decode(string encoded)
    {
        if (!TryDecode(encoded, out var value, out var error))
        {
            throw new FormatException(error);
        }

        return value;
    }

    /// <summary>Reverses <see cref="Encode"/>; returns <c>false</c> for malformed input.</summary>
    public static bool TryDecode(string encoded, out string value) => TryDecode(encoded, out value, out _);

    private static bool TryDecode(string encoded, out string value, out string? error)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        value = string.Empty;
        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == Escape)
            {
                if (i + 2 >= encoded.Length)
                {
                    error = $"truncated escape at position {i}";
                    return false;
                }

                var hi = HexValue(encoded[i + 1]);
                var lo = HexValue(encoded[i + 2]);
                if (hi < 0 || lo < 0)
                {
                    error = $"invalid escape '{encoded.Substring(i, 3)}' at position {i}";
                    return false;
                }

                bytes.Add((byte)((hi << 4) | lo));
                i += 2;
            }
            else if (LvmValidation.IsTagChar(c))
            {
                bytes.Add((byte)c);
            }
            else
            {
                error = $"character U+{(int)c:X4} at position {i} cannot appear in an encoded tag";
                return false;
            }
        }

        try
        {
            value = StrictUtf8.GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            error = "escaped bytes are not valid UTF-8";
            return false;
        }

        error = null;
        return true;
    }

    private static char HexDigit(int v) => (char)(v < 10 ? '0' + v : 'A' + v - 10);

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };
}
