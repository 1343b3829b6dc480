using System.Collections.Immutable;
using System.Globalization;

namespace Stratum.Testing.Lvm;

/// <summary>What the simulator takes from the (already allow-listed) extra lvcreate options.</summary>
internal sealed record ExtraOptions
{
    /// <summary>lv_attr allocation letter: <c>i</c> inherit (default), <c>c</c>, <c>l</c>, <c>n</c>, <c>a</c>.</summary>
    public char AllocationPolicy { get; init; } = 'i';

    public bool Contiguous => AllocationPolicy == 'c';

    /// <summary><c>--nosync</c>: a raid1 that skips the initial sync (attr <c>R</c>).</summary>
    public bool NoSync { get; init; }

    /// <summary><c>--chunksize</c> of a thin pool; 64 KiB by default.</summary>
    public long ChunkBytes { get; init; } = 64 * 1024;

    /// <summary><c>--poolmetadatasize</c>, when given.</summary>
    public long? PoolMetadataBytes { get; init; }

    /// <summary><c>--poolmetadataspare</c> (default y).</summary>
    public bool PoolMetadataSpare { get; init; } = true;

    /// <summary>Reads the words <see cref="Stratum.Lvm.LvmExtraOptions.Normalize"/> returned.</summary>
    public static ExtraOptions Parse(ImmutableArray<string> words)
    {
        var result = new ExtraOptions();
        for (var i = 0; i < words.Length; i++)
        {
            var value = i + 1 < words.Length ? words[i + 1] : string.Empty;
            switch (words[i])
            {
                case "--alloc":
                    result = result with
                    {
                        AllocationPolicy = value switch
                        {
                            "contiguous" => 'c',
                            "cling" or "cling_by_tags" => 'l',
                            "normal" => 'n',
                            "anywhere" => 'a',
                            _ => 'i',
                        },
                    };
                    i++;
                    break;
                case "--contiguous":
                    result = result with { AllocationPolicy = value == "y" ? 'c' : 'n' };
                    i++;
                    break;
                case "--nosync":
                    result = result with { NoSync = true };
                    break;
                case "--chunksize":
                    result = result with { ChunkBytes = ParseSize(value, 1024) };
                    i++;
                    break;
                case "--poolmetadatasize":
                    result = result with { PoolMetadataBytes = ParseSize(value, 1024 * 1024) };
                    i++;
                    break;
                case "--poolmetadataspare":
                    result = result with { PoolMetadataSpare = value == "y" };
                    i++;
                    break;
                default:
                    // Options that take a value were validated with one; skip it.
                    if (i + 1 < words.Length && !words[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        i++;
                    }

                    break;
            }
        }

        return result;
    }

    /// <summary>An LVM size argument ("64k", "1.5m", "4096b"); <paramref name="defaultUnit"/> when it has no suffix.</summary>
    private static long ParseSize(string text, long defaultUnit)
    {
        var unit = defaultUnit;
        var number = text;
        if (text.Length > 0 && char.IsAsciiLetter(text[^1]))
        {
            unit = char.ToLowerInvariant(text[^1]) switch
            {
                'b' => 1,
                's' => 512,
                'k' => 1024,
                'm' => 1024 * 1024,
                'g' => 1024L * 1024 * 1024,
                't' => 1024L * 1024 * 1024 * 1024,
                _ => defaultUnit,
            };
            number = text[..^1];
        }

        return (long)(double.Parse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) * unit);
    }
}
