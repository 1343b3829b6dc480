using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stratum.Csi.Hosting;

namespace Stratum.Csi.Tests.Hosting;

public sealed partial class StratumLoggingTests
{
    [Fact]
    public void Create_TextFormat_OneLineWithLevelCategoryAndEventId()
    {
        using var output = new StringWriter();
        using (var factory = StratumLogging.Create(LogLevel.Information, LogFormat.Text, output))
        {
            Sample(factory.CreateLogger("Stratum.Test"), "pvc-1", 42);
        }

        var line = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info Stratum\.Test\[9001\] volume pvc-1 is 42 bytes$", line);
    }

    [Fact]
    public void Create_JsonFormat_ParsableWithStructuredFields()
    {
        using var output = new StringWriter();
        using (var factory = StratumLogging.Create(LogLevel.Information, LogFormat.Json, output))
        {
            Sample(factory.CreateLogger("Stratum.Test"), "naïve \"quoted\"", 7);
        }

        using var json = JsonDocument.Parse(output.ToString());
        var root = json.RootElement;
        Assert.Equal("Information", root.GetProperty("level").GetString());
        Assert.Equal(9001, root.GetProperty("eventId").GetInt32());
        Assert.Equal("naïve \"quoted\"", root.GetProperty("Name").GetString());
        Assert.Equal(7, root.GetProperty("Size").GetDouble());
        Assert.Equal("volume naïve \"quoted\" is 7 bytes", root.GetProperty("message").GetString());
    }

    [Fact]
    public void Create_BelowMinimumLevel_NotWritten()
    {
        using var output = new StringWriter();
        using (var factory = StratumLogging.Create(LogLevel.Warning, LogFormat.Text, output))
        {
            Sample(factory.CreateLogger("Stratum.Test"), "x", 1);
        }

        Assert.Equal(string.Empty, output.ToString());
    }

    [Theory]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel")]
    [InlineData("Grpc.AspNetCore.Server.ServerCallHandler")]
    public void Create_FrameworkCategoryInformation_Suppressed(string category)
    {
        using var output = new StringWriter();
        using (var factory = StratumLogging.Create(LogLevel.Trace, LogFormat.Text, output))
        {
            factory.CreateLogger(category).LogInformation("connection accepted");
            factory.CreateLogger(category).LogWarning("heartbeat slow");
        }

        Assert.DoesNotContain("connection accepted", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("heartbeat slow", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TextWithException_ExceptionIndentedAfterLine()
    {
        using var output = new StringWriter();
        using (var factory = StratumLogging.Create(LogLevel.Information, LogFormat.Text, output))
        {
            factory.CreateLogger("Stratum.Test").LogError(new InvalidOperationException("broken\nthing"), "failed");
        }

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith("failed", lines[0], StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("    ", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("InvalidOperationException", StringComparison.Ordinal));
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "volume {Name} is {Size} bytes")]
    private static partial void Sample(ILogger logger, string name, long size);
}
