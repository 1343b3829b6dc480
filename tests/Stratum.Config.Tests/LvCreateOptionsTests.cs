namespace Stratum.Config.Tests;

public sealed class LvCreateOptionsTests
{
    [Fact]
    public void AllowedOptions_AreTheLvmLayersList()
    {
        // One allow-list: what config accepts is exactly what LvmCli accepts (Stratum.Lvm.LvmExtraOptions).
        foreach (var option in Stratum.Lvm.LvmExtraOptions.AllowedOptions)
        {
            var problems = new List<string>();
            var type = LvTypes.All.FirstOrDefault(t => Stratum.Lvm.LvmExtraOptions.Find(option)!.RefusalFor(t.ToName()) is null);
            if (LvTypes.All.All(t => Stratum.Lvm.LvmExtraOptions.Find(option)!.RefusalFor(t.ToName()) is not null))
            {
                continue; // thin pools only: no device class type creates them yet
            }

            var takesValue = Stratum.Lvm.LvmExtraOptions.Find(option)!.TakesValue;
            LvCreateOptions.Check(takesValue ? [option, SampleValue(option)] : [option], type, (_, message) => problems.Add(message));
            Assert.Empty(problems);
        }

        Assert.Equal(Stratum.Lvm.LvmExtraOptions.Summary, LvCreateOptions.AllowedSummary);
    }

    private static string SampleValue(string option) => option switch
    {
        "--alloc" => "cling",
        "--contiguous" or "--monitor" or "--raidintegrity" => "y",
        "--readahead" => "auto",
        "--raidintegritymode" => "bitmap",
        "--raidintegrityblocksize" => "4096",
        _ => "512k",
    };

    [Theory]
    [InlineData(LvType.Linear, new[] { "--alloc", "cling" }, new[] { "--alloc", "cling" })]
    [InlineData(LvType.Linear, new[] { "--alloc=anywhere" }, new[] { "--alloc", "anywhere" })]
    [InlineData(LvType.Striped, new[] { "--alloc", "contiguous", "--readahead", "auto" }, new[] { "--alloc", "contiguous", "--readahead", "auto" })]
    [InlineData(LvType.Linear, new[] { "--readahead=256" }, new[] { "--readahead", "256" })]
    [InlineData(LvType.Linear, new[] { "--readahead", "none" }, new[] { "--readahead", "none" })]
    [InlineData(LvType.Raid1, new[] { "--nosync", "--regionsize", "2m" }, new[] { "--nosync", "--regionsize", "2m" })]
    [InlineData(LvType.Raid1, new[] { "--regionsize=512k", "--alloc", "normal" }, new[] { "--regionsize", "512k", "--alloc", "normal" })]
    [InlineData(LvType.Linear, new string[0], new string[0])]
    [InlineData(LvType.Raid1, new[] { "--maxrecoveryrate", "100m", "--raidintegrity=y" }, new[] { "--maxrecoveryrate", "100m", "--raidintegrity", "y" })]
    [InlineData(LvType.Linear, new[] { "--contiguous", "y", "--readahead", "128k" }, new[] { "--contiguous", "y", "--readahead", "128k" })]
    public void Check_AllowedOptions_ReturnsNormalizedTokens(LvType type, string[] items, string[] expected)
    {
        var problems = new List<string>();
        var arguments = LvCreateOptions.Check(items, type, (_, message) => problems.Add(message));
        Assert.Empty(problems);
        Assert.Equal(expected, arguments);
    }

    [Theory]
    [InlineData(LvType.Linear, new[] { "--addtag", "mine" }, 0, "tags are Stratum's")]
    [InlineData(LvType.Linear, new[] { "--deltag=x" }, 0, "tags are Stratum's")]
    [InlineData(LvType.Linear, new[] { "--wipesignatures", "n" }, 0, "Stratum sets it")]
    [InlineData(LvType.Linear, new[] { "--zero=n" }, 0, "Stratum sets it")]
    [InlineData(LvType.Linear, new[] { "-Z", "n" }, 0, "Stratum sets it")]
    [InlineData(LvType.Linear, new[] { "--yes" }, 0, "safety prompts")]
    [InlineData(LvType.Linear, new[] { "-y" }, 0, "safety prompts")]
    [InlineData(LvType.Linear, new[] { "--force" }, 0, "safety checks")]
    [InlineData(LvType.Linear, new[] { "-f" }, 0, "safety checks")]
    [InlineData(LvType.Linear, new[] { "--config", "devices{filter=[\"a|.*|\"]}" }, 0, "override the LVM configuration")]
    [InlineData(LvType.Linear, new[] { "--type", "thin" }, 0, "use lvcreate.type")]
    [InlineData(LvType.Linear, new[] { "-i", "2" }, 0, "use lvcreate.stripes")]
    [InlineData(LvType.Linear, new[] { "--size", "1G" }, 0, "sets it for each volume")]
    [InlineData(LvType.Linear, new[] { "--name=x" }, 0, "sets it for each volume")]
    [InlineData(LvType.Linear, new[] { "-C", "y" }, 0, "only long options")]
    [InlineData(LvType.Linear, new[] { "cling" }, 0, "positional argument")]
    [InlineData(LvType.Linear, new[] { "--" }, 0, "positional argument")]
    [InlineData(LvType.Linear, new[] { "--alloc", "cling", "extra" }, 2, "positional argument")]
    [InlineData(LvType.Linear, new[] { "--alloc cling" }, 0, "contains whitespace")]
    [InlineData(LvType.Linear, new[] { "" }, 0, "must not be empty")]
    [InlineData(LvType.Linear, new[] { "--aloc", "cling" }, 0, "did you mean '--alloc'?")]
    [InlineData(LvType.Linear, new[] { "--thinpool", "pool" }, 0, "not an allowed lvcreate option")]
    [InlineData(LvType.Linear, new[] { "--alloc" }, 0, "'--alloc' needs a value")]
    [InlineData(LvType.Linear, new[] { "--alloc", "--readahead", "auto" }, 0, "'--alloc' needs a value")]
    [InlineData(LvType.Linear, new[] { "--alloc=" }, 0, "'--alloc' needs a value")]
    [InlineData(LvType.Linear, new[] { "--alloc", "sometimes" }, 1, "must be one of normal, contiguous, cling, cling_by_tags, anywhere, inherit, not 'sometimes'")]
    [InlineData(LvType.Linear, new[] { "--readahead", "lots" }, 1, "must be auto, none or a number")]
    [InlineData(LvType.Linear, new[] { "--alloc", "cling", "--alloc", "normal" }, 2, "given more than once")]
    [InlineData(LvType.Linear, new[] { "--nosync" }, 0, "only allowed for type raid1, not linear")]
    [InlineData(LvType.Striped, new[] { "--regionsize", "2m" }, 0, "only allowed for type raid1, not striped")]
    [InlineData(LvType.Raid1, new[] { "--regionsize", "big" }, 1, "must be an LVM size")]
    [InlineData(LvType.Raid1, new[] { "--nosync=yes" }, 0, "takes no value")]
    [InlineData(LvType.Linear, new[] { "--chunksize", "64k" }, 0, "only allowed for type thin-pool, not linear")]
    [InlineData(LvType.Striped, new[] { "--monitor", "y" }, 0, "only allowed for type raid1 or thin-pool, not striped")]
    public void Check_RejectedOptions_ReportsTheItem(LvType type, string[] items, int index, string fragment)
    {
        var problems = new List<(int Index, string Message)>();
        var arguments = LvCreateOptions.Check(items, type, (i, message) => problems.Add((i, message)));
        var problem = Assert.Single(problems);
        Assert.Equal(index, problem.Index);
        Assert.Contains(fragment, problem.Message, StringComparison.Ordinal);
    }
}
