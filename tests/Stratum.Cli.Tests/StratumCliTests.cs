namespace Stratum.Cli.Tests;

public sealed class StratumCliTests
{
    [Theory]
    [InlineData("bogus")]
    [InlineData("node", "--no-such-flag")]
    [InlineData("node", "--endpoint", "relative.sock", "--node-id", "n1")]
    [InlineData("node", "--endpoint", "tcp://127.0.0.1:99999", "--node-id", "n1")]
    [InlineData("node", "--node-id", "has space")]
    [InlineData("node", "--node-id", "-leading-dash")]
    [InlineData("node", "--node-id", "n1", "--config", "/nonexistent/stratum.yaml")]
    [InlineData("node", "--node-id", "n1", "--log-level", "Loud")]
    [InlineData("node", "--node-id", "n1", "--shutdown-grace-seconds", "-1")]
    [InlineData("csi", "probe", "--endpoint", "ftp://x")]
    [InlineData("csi", "create-volume", "--request", "{not json")]
    [InlineData("csi", "create-volume", "--required-bytes", "lots")]
    [InlineData("csi", "node-publish-volume", "--access-mode", "everyone")]
    [InlineData("csi", "node-stage-volume", "--block", "--fs-type", "xfs")]
    [InlineData("csi", "create-volume", "--parameters", "novalue")]
    [InlineData("csi", "probe", "--timeout", "0")]
    [InlineData("csi", "no-such-rpc")]
    public async Task Run_BadCommandLine_ExitCode2WithMessage(params string[] args)
    {
        var (code, _, error) = await CliRunner.RunAsync(args);

        Assert.Equal(2, code);
        Assert.StartsWith("stratum: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NodeWithoutNodeId_ExplainsWhatIsMissing()
    {
        var saved = Environment.GetEnvironmentVariable("NODE_NAME");
        Environment.SetEnvironmentVariable("NODE_NAME", null);
        try
        {
            var (code, _, error) = await CliRunner.RunAsync("node", "--endpoint", "unix:///tmp/never.sock");

            Assert.Equal(2, code);
            Assert.Contains("--node-id is required", error, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("NODE_NAME", saved);
        }
    }

    [Fact]
    public async Task Run_Version_PrintsVersionAndDriver()
    {
        var (code, output, _) = await CliRunner.RunAsync("version");

        Assert.Equal(0, code);
        Assert.Matches(@"^stratum \d+\.\d+\.\d+", output);
        Assert.Contains("lvm.stratum.dev", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_CsiUnreachableEndpoint_ExitCode1Unavailable()
    {
        var (code, _, error) = await CliRunner.RunAsync("csi", "probe", "--endpoint", "unix:///tmp/stratum-no-such-dir/csi.sock", "--timeout", "5");

        Assert.Equal(1, code);
        Assert.Contains("UNAVAILABLE", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("n1")]
    [InlineData("worker23")]
    [InlineData("ip-10-0-1-17.eu-west-1.compute.internal")]
    [InlineData("a")]
    [InlineData("Node_1.example")]
    public void ValidateNodeId_ValidLabelValue_Accepted(string nodeId) =>
        Assert.Equal(nodeId, Stratum.Cli.Commands.NodeCommand.ValidateNodeId(nodeId));

    [Theory]
    [InlineData("node.")]
    [InlineData("_node")]
    [InlineData("node/1")]
    [InlineData("node:1")]
    [InlineData("nöde")]
    public void ValidateNodeId_InvalidLabelValue_Rejected(string nodeId) =>
        Assert.Throws<UsageException>(() => Stratum.Cli.Commands.NodeCommand.ValidateNodeId(nodeId));

    [Fact]
    public void ValidateNodeId_LongerThan63_Rejected() =>
        Assert.Throws<UsageException>(() => Stratum.Cli.Commands.NodeCommand.ValidateNodeId(new string('a', 64)));
}
