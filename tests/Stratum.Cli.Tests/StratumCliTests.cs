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

    [Theory]
    [InlineData("bogus", "Unrecognized command or argument 'bogus'")]
    [InlineData("csi no-such-rpc", "Unrecognized command or argument 'no-such-rpc'")]
    [InlineData("csi probe --no-such-flag", "Unrecognized command or argument '--no-such-flag'")]
    [InlineData("node --node-id n1 --log-format Loud", "--log-format: 'Loud' is not one of: Text, Json")]
    [InlineData("node --node-id n1 --log-level 3", "--log-level: '3' is not one of: Trace, Debug, Information")]
    [InlineData("node --node-id n1 --shutdown-grace-seconds soon", "--shutdown-grace-seconds: 'soon' is not a number of seconds")]
    [InlineData("csi probe --timeout abc", "--timeout: 'abc' is not a number of seconds")]
    [InlineData("csi list-volumes --max-entries x", "--max-entries: 'x' is not a whole number")]
    [InlineData("csi", "'stratum csi' needs a command; run 'stratum csi --help' to list them.")]
    public async Task Run_BadCommandLine_NamesTheRealProblemFirstInPlainWords(string commandLine, string expected)
    {
        var (code, output, error) = await CliRunner.RunAsync(commandLine.Split(' '));

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("stratum: " + expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command was not provided", error, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"System\.|Stratum\.|Microsoft\.|expected type", error);
    }

    [Theory]
    [InlineData("scheduler", "--help")]
    [InlineData("csi", "no-such-rpc", "--help")]
    [InlineData("bogus", "-h")]
    public async Task Run_HelpForUnknownCommand_ExitCode2WithoutHelp(params string[] args)
    {
        var (code, output, error) = await CliRunner.RunAsync(args);

        Assert.Equal(2, code);
        Assert.DoesNotContain("Usage:", output, StringComparison.Ordinal);
        Assert.StartsWith($"stratum: Unrecognized command or argument '{args[^2]}'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("node", "--help")]
    [InlineData("controller", "--help")]
    [InlineData("csi", "probe", "--help")]
    public async Task Run_HelpForKnownCommand_ExitCode0WithUsage(params string[] args)
    {
        var (code, output, _) = await CliRunner.RunAsync(args);

        Assert.Equal(0, code);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
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
    public async Task Run_CsiAbsentSocket_ExitCode1NoSuchFile()
    {
        var (code, _, error) = await CliRunner.RunAsync("csi", "probe", "--endpoint", "unix:///tmp/stratum-no-such-dir/csi.sock", "--timeout", "5");

        Assert.Equal(1, code);
        Assert.Equal("Probe failed: UNAVAILABLE: cannot reach unix:///tmp/stratum-no-such-dir/csi.sock: no such file or directory: /tmp/stratum-no-such-dir/csi.sock", error.Trim());
    }

    [Fact]
    public async Task Run_CsiSocketNobodyListensOn_ExitCode1ConnectionRefused()
    {
        var directory = Path.Combine("/tmp", "stratum-cli-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "csi.sock");
        try
        {
            // A socket file without a listener, as a crashed plugin leaves it (.NET unlinks its
            // sockets on Dispose, so a short-lived perl makes it).
            using (var owner = System.Diagnostics.Process.Start("perl", ["-MIO::Socket::UNIX", "-e", "IO::Socket::UNIX->new(Local => $ARGV[0], Listen => 1) or die $!", path]))
            {
                await owner.WaitForExitAsync();
            }

            var (code, _, error) = await CliRunner.RunAsync("csi", "probe", "--endpoint", path, "--timeout", "5");

            Assert.Equal(1, code);
            Assert.Contains($"nothing is listening on {path}", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
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
