using System.Diagnostics;
using System.Net;
using System.Text;
using Stratum.Platform.Exec;

namespace Stratum.Metrics.Tests;

public sealed class PrometheusStratumMetricsTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Export_AfterALifecycle_HasTheIssuesMetricSetWithPrometheusNames()
    {
        var metrics = Fed(out _);

        var text = await ExportAsync(metrics);

        foreach (var line in new[]
        {
            "stratum_build_info{version=\"1.2.3\"} 1",
            "stratum_csi_requests_total{method=\"CreateVolume\",code=\"OK\"} 2",
            "stratum_csi_requests_total{method=\"DeleteVolume\",code=\"NOT_FOUND\"} 1",
            "stratum_csi_request_duration_seconds_count{method=\"CreateVolume\",code=\"OK\"} 2",
            "stratum_lvm_command_duration_seconds_count{command=\"lvcreate\",outcome=\"ok\"} 1",
            "stratum_command_duration_seconds_count{command=\"mkfs.xfs\",outcome=\"failed\"} 1",
            "stratum_vg_size_bytes{vg=\"stratum\"} 10737418240",
            "stratum_vg_free_bytes{vg=\"stratum\"} 4294967296",
            "stratum_thinpool_data_used_ratio{vg=\"stratum\",pool=\"pool0\"} 0.25",
            "stratum_thinpool_metadata_used_ratio{vg=\"stratum\",pool=\"pool0\"} 0.05",
            "stratum_volumes{device_class=\"default\"} 3",
            "stratum_capacity_cache_age_seconds 42",
            "stratum_config_generation 2",
            "stratum_config_reload_errors_total 1",
            "stratum_disks_claimed{vg=\"stratum\"} 2",
            "stratum_disks_refused{vg=\"stratum\"} 1",
            "stratum_gc_orphans 3",
            "stratum_gc_missing_volumes 1",
            "stratum_gc_orphans_deleted_total 2",
            "stratum_gc_runs_total{result=\"completed\"} 1",
            "stratum_gc_runs_total{result=\"skipped_api_unavailable\"} 1",
        })
        {
            Assert.Contains(line + "\n", text, StringComparison.Ordinal);
        }

        Assert.Contains("# TYPE stratum_csi_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE stratum_csi_requests_total counter", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CapacityRefreshed_WithoutAVolumeGroup_DropsItsSeries()
    {
        var metrics = new PrometheusStratumMetrics("1", new FixedTime(Now));
        metrics.CapacityRefreshed(Now, [new VolumeGroupUsage("a", 10, 5), new VolumeGroupUsage("b", 20, 5)], []);

        metrics.CapacityRefreshed(Now, [new VolumeGroupUsage("b", 20, 1)], []);

        var text = await ExportAsync(metrics);
        Assert.DoesNotContain("vg=\"a\"", text, StringComparison.Ordinal);
        Assert.Contains("stratum_vg_free_bytes{vg=\"b\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_BeforeAnyRefresh_HasNoCacheAgeSample()
    {
        var text = await ExportAsync(new PrometheusStratumMetrics("1"));

        Assert.DoesNotContain("\nstratum_capacity_cache_age_seconds ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_PassesPromtoolCheckMetrics()
    {
        var text = await ExportAsync(Fed(out _));
        var promtool = Promtool();

        using var process = Process.Start(new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.StandardInput.WriteAsync(text);
        process.StandardInput.Close();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, $"promtool check metrics failed ({process.ExitCode}):\n{stdout}{stderr}");
        Assert.Equal("", (stdout + stderr).Trim());
    }

    [Theory]
    [InlineData("lvm", new[] { "lvcreate", "-n", "x" }, "lvcreate")]
    [InlineData("/usr/sbin/lvm", new[] { "lvs", "--reportformat", "json" }, "lvs")]
    [InlineData("lvm", new[] { "version" }, "lvm")]
    [InlineData("/sbin/mkfs.xfs", new[] { "/dev/stratum/pvc-1" }, "mkfs.xfs")]
    [InlineData("mount", new[] { "-o", "bind", "/a", "/b" }, "mount")]
    public void CommandLabel_IsTheLvmSubcommandOrTheProgramNeverAnArgument(string executable, string[] args, string expected) =>
        Assert.Equal(expected, TimedCommandRunner.CommandLabel(new CommandSpec(executable, args)));

    [Theory]
    [InlineData(0, null, "ok")]
    [InlineData(5, null, "failed")]
    [InlineData(0, "timeout", "timeout")]
    [InlineData(0, "notfound", "not_started")]
    [InlineData(0, "canceled", "canceled")]
    public async Task TimedCommandRunner_ReportsEachOutcome(int exitCode, string? failure, string outcome)
    {
        var recorded = new List<(string, string)>();
        var runner = new TimedCommandRunner(new CannedRunner(exitCode, failure), new Recording(recorded));

        try
        {
            await runner.RunAsync(new CommandSpec("lvm", "lvremove", "-y", "vg/lv"), CancellationToken.None);
        }
        catch (Exception ex) when (failure is not null && ex is CommandException or OperationCanceledException)
        {
        }

        Assert.Equal([("lvremove", outcome)], recorded);
    }

    [Theory]
    [InlineData("9808", "0.0.0.0:9808")]
    [InlineData(":9808", "0.0.0.0:9808")]
    [InlineData("127.0.0.1:9808", "127.0.0.1:9808")]
    [InlineData("[::1]:9808", "[::1]:9808")]
    [InlineData("0", null)]
    [InlineData("70000", null)]
    [InlineData("localhost", null)]
    [InlineData("127.0.0.1", null)]
    [InlineData("", null)]
    public void TryParseAddress_Table(string text, string? expected)
    {
        var ok = MetricsEndpoint.TryParseAddress(text, out var endpoint, out var error);

        Assert.Equal(expected is not null, ok);
        Assert.Equal(expected, endpoint?.ToString());
        Assert.Equal(expected is null, error is not null);
    }

    [Fact]
    public async Task Endpoint_ServesMetricsAndNothingElse()
    {
        var metrics = Fed(out _);
        await using var endpoint = await MetricsEndpoint.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), metrics);
        using var http = new HttpClient();

        using var response = await http.GetAsync(endpoint.Address);
        using var other = await http.GetAsync(new Uri(endpoint.Address, "/"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("stratum_csi_requests_total{method=\"CreateVolume\",code=\"OK\"} 2", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public void Null_AcceptsEverything() =>
        Assert.Null(Record.Exception(() =>
        {
            IStratumMetrics m = NullStratumMetrics.Instance;
            m.RpcCompleted("Probe", "OK", TimeSpan.Zero);
            m.CapacityRefreshed(Now, [], []);
            m.GcPassCompleted("completed", 0, 0, Now);
        }));

    /// <summary>What a short lifecycle reports: two creates, a failed delete, LVM and mkfs runs, capacity, config, disks, GC.</summary>
    private static PrometheusStratumMetrics Fed(out FixedTime time)
    {
        time = new FixedTime(Now + TimeSpan.FromSeconds(42));
        var metrics = new PrometheusStratumMetrics("1.2.3", time);
        metrics.RpcCompleted("CreateVolume", "OK", TimeSpan.FromMilliseconds(800));
        metrics.RpcCompleted("CreateVolume", "OK", TimeSpan.FromMilliseconds(900));
        metrics.RpcCompleted("DeleteVolume", "NOT_FOUND", TimeSpan.FromMilliseconds(3));
        metrics.CommandCompleted("lvcreate", "ok", TimeSpan.FromSeconds(1.5));
        metrics.CommandCompleted("mkfs.xfs", "failed", TimeSpan.FromSeconds(0.3));
        metrics.CapacityRefreshed(Now, [new VolumeGroupUsage("stratum", 10L << 30, 4L << 30)], [new ThinPoolUsage("stratum", "pool0", 0.25, 0.05)]);
        metrics.VolumesCounted(new Dictionary<string, int> { ["default"] = 3 });
        metrics.ConfigApplied(2);
        metrics.ConfigReloadFailed();
        metrics.DisksObserved(new Dictionary<string, int> { ["stratum"] = 2 }, new Dictionary<string, int> { ["stratum"] = 1 });
        metrics.GcPassCompleted("skipped_api_unavailable", 0, 0, Now);
        metrics.GcPassCompleted("completed", 3, 1, Now);
        metrics.OrphanDeleted();
        metrics.OrphanDeleted();
        metrics.NodeLossAction("claim_released");
        metrics.LeadershipChanged(true);
        metrics.ExtenderRequest("filter", "ok", TimeSpan.FromMilliseconds(2));
        return metrics;
    }

    private static async Task<string> ExportAsync(PrometheusStratumMetrics metrics)
    {
        using var buffer = new MemoryStream();
        await metrics.ExportAsync(buffer, CancellationToken.None);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>promtool, installed by scripts/test-tools (Debian's prometheus package).</summary>
    private static string Promtool()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var candidate = Path.Combine(dir, "promtool");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail("promtool is not installed: run scripts/test-tools (it installs Debian's prometheus package)");
        return "";
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class CannedRunner(int exitCode, string? failure) : ICommandRunner
    {
        public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken) => failure switch
        {
            "timeout" => throw new CommandTimeoutException(spec.Executable, [.. spec.Arguments], TimeSpan.FromSeconds(1), "", ""),
            "notfound" => throw new CommandNotFoundException(spec.Executable, [.. spec.Arguments], new IOException("no such file")),
            "canceled" => throw new OperationCanceledException(),
            _ => Task.FromResult(new CommandResult(exitCode, "", "", TimeSpan.FromMilliseconds(5))),
        };
    }

    private sealed class Recording(List<(string, string)> commands) : NullStratumMetrics
    {
        public override void CommandCompleted(string command, string outcome, TimeSpan elapsed) => commands.Add((command, outcome));
    }
}
