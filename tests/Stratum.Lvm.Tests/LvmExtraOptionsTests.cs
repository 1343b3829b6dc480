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

    [Theory]
    [InlineData(new[] { "--nosync" }, "raid1", null)]
    [InlineData(new[] { "--nosync" }, "linear", "'--nosync' is only allowed for type raid1, not linear")]
    [InlineData(new[] { "--chunksize", "64k" }, "thin-pool", null)]
    [InlineData(new[] { "--chunksize", "64k" }, "striped", "'--chunksize' is only allowed for type thin-pool, not striped")]
    [InlineData(new[] { "--alloc", "cling" }, "thin", "'--alloc' is only allowed for type linear or striped or raid1 or thin-pool, not thin")]
    [InlineData(new[] { "--readahead", "auto" }, "thin", null)]
    public void Check_ForASegmentType_OnlyOptionsThatApplyToIt(string[] options, string segmentType, string? refusal)
    {
        var error = LvmExtraOptions.Check(options, segmentType);

        if (refusal is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.Equal($"extra option {refusal}", error);
        }
    }

    [Fact]
    public void Normalize_Null_IsEmpty()
    {
        Assert.Empty(LvmExtraOptions.Normalize(null));
    }
}
