namespace Stratum.Lvm.Tests;

public sealed class LvmExtraOptionsTests
{
    public static TheoryData<string[], string[]> Accepted => new()
    {
        { [], [] },
        { ["--alloc", "cling"], ["--alloc", "cling"] },
        { ["--alloc=anywhere"], ["--alloc", "anywhere"] },
        { ["--nosync"], ["--nosync"] },
        { ["--readahead", "auto"], ["--readahead", "auto"] },
        { ["--readahead=256"], ["--readahead", "256"] },
        { ["--chunksize", "128k", "--poolmetadatasize", "1g"], ["--chunksize", "128k", "--poolmetadatasize", "1g"] },
        { ["--regionsize", "512k", "--maxrecoveryrate", "100m"], ["--regionsize", "512k", "--maxrecoveryrate", "100m"] },
        { ["--discards", "passdown", "--monitor", "n"], ["--discards", "passdown", "--monitor", "n"] },
        { ["--raidintegrity", "y", "--raidintegritymode", "bitmap"], ["--raidintegrity", "y", "--raidintegritymode", "bitmap"] },
        { ["--contiguous", "y"], ["--contiguous", "y"] },
    };

    public static TheoryData<string[]> Rejected => new()
    {
        { ["--yes"] },
        { ["-y"] },
        { ["--force"] },
        { ["-ff"] },
        { ["--config", "devices/filter=[\"a|.*|\"]"] },
        { ["--type", "linear"] },
        { ["--zero", "n"] },
        { ["--wipesignatures", "n"] },
        { ["--addtag", "x"] },
        { ["--test"] },
        { ["/dev/sdb"] },
        { ["othervg"] },
        { ["--alloc"] },
        { ["--alloc", "--yes"] },
        { ["--alloc", "sometimes"] },
        { ["--alloc", "cling", "/dev/sdb"] },
        { ["--alloc", "cling", "--alloc", "normal"] },
        { ["--nosync=y"] },
        { ["--readahead", "1; reboot"] },
        { ["--chunksize", "-1"] },
        { ["--chunksize", "64k extra"] },
        { ["--discards", "all"] },
        { ["--raidintegrityblocksize", "3000"] },
        { ["--alloc=cling\n--yes"] },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Normalize_AllowedOptions_ReturnsSeparateWords(string[] options, string[] expected)
    {
        Assert.Equal(expected, LvmExtraOptions.Normalize(options).AsEnumerable());
        Assert.Null(LvmExtraOptions.Check(options));
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Normalize_AnythingElse_ThrowsValidation(string[] options)
    {
        var ex = Assert.Throws<LvmValidationException>(() => LvmExtraOptions.Normalize(options));

        Assert.Equal("extraOptions", ex.ParamName);
        Assert.NotNull(LvmExtraOptions.Check(options));
    }

    [Fact]
    public void Check_DisallowedOption_ExplainsWhatIsAllowed()
    {
        var error = LvmExtraOptions.Check(["--yes"]);

        Assert.StartsWith("extra option '--yes' is not allowed (allowed: --alloc,", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_Null_IsEmpty()
    {
        Assert.Empty(LvmExtraOptions.Normalize(null));
    }
}
