using Stratum.Config.Tests.TestSupport;

namespace Stratum.Config.Tests;

public sealed class NodeLabelSourceTests
{
    [Fact]
    public void Parse_KeyValueLinesAndDownwardApiQuotes_Labels()
    {
        var labels = NodeLabelSource.Parse(
            "# node labels\n\nstratum.dev/disks=nvme\ntopology.kubernetes.io/zone=\"eu-1a\"\r\nempty=\n",
            "labels");

        Assert.Equal(
            new Dictionary<string, string> { ["stratum.dev/disks"] = "nvme", ["topology.kubernetes.io/zone"] = "eu-1a", ["empty"] = string.Empty },
            labels);
    }

    [Fact]
    public void Parse_BadLines_EveryProblemWithItsLine()
    {
        var exception = Assert.Throws<ConfigException>(() => NodeLabelSource.Parse("ok=1\nno equals sign\nBad_Prefix/x=1\nzone=a b\n", "labels"));

        Assert.Equal([2, 3, 4], exception.Problems.Select(p => p.Line));
        Assert.Equal("labels:2:1: expected key=value, not 'no equals sign'", exception.Problems[0].ToString());
        Assert.Contains("not a valid label key", exception.Problems[1].Message, StringComparison.Ordinal);
        Assert.Contains("not a valid value for label 'zone'", exception.Problems[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseList_CommaSeparated_Labels()
    {
        Assert.Equal(
            new Dictionary<string, string> { ["a"] = "1", ["b.io/c"] = "2" },
            NodeLabelSource.ParseList("a=1, b.io/c=2"));
        Assert.Throws<FormatException>(() => NodeLabelSource.ParseList("a"));
    }

    [Fact]
    public async Task ReadAsync_FileAndFixed_FixedWins()
    {
        using var file = new TempFile("labels").Write("a=file\nb=file\n");
        var source = new NodeLabelSource(file.Path, new Dictionary<string, string> { ["b"] = "flag" });

        var labels = await source.ReadAsync(CancellationToken.None);

        Assert.Equal(new Dictionary<string, string> { ["a"] = "file", ["b"] = "flag" }, labels);
        Assert.Equal([file.Path], source.WatchedFiles);
    }

    [Fact]
    public async Task ReadAsync_MissingFile_ConfigExceptionNamingIt()
    {
        var source = new NodeLabelSource("/nonexistent/stratum/labels");

        var exception = await Assert.ThrowsAsync<ConfigException>(() => source.ReadAsync(CancellationToken.None));

        Assert.StartsWith("/nonexistent/stratum/labels: cannot read the node labels file", exception.Message, StringComparison.Ordinal);
    }
}
