using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Stratum.Config.Tests.TestSupport;

namespace Stratum.Config.Tests;

public sealed class ConfigMonitorTests
{
    private const string Thick = "deviceClasses:\n  - name: default\n    volumeGroup: stratum\n";
    private const string TwoClasses = "deviceClasses:\n  - name: default\n    volumeGroup: stratum\n    default: true\n  - name: fast\n    volumeGroup: nvme\n";
    private const string Broken = "deviceClasses:\n  - name: default\n    volumeGroup: stratum\n    fsType: ntfs\n";

    /// <summary>Long enough that only the file watcher can explain a reload within the test's wait.</summary>
    private static readonly TimeSpan NoPolling = TimeSpan.FromHours(1);

    private static readonly TimeSpan Within = TimeSpan.FromSeconds(5);

    private readonly ListLogger<ConfigMonitor> _logger = new();

    [Fact]
    public async Task ConfigMapSymlinkSwap_ValidChange_NewGenerationWithinSeconds()
    {
        using var map = new ConfigMapDirectory("config.yaml", Thick);
        await using var monitor = await StartAsync(map.Path, NoPolling);
        Assert.Equal(1, monitor.Current.Generation);
        var published = new List<long>();
        monitor.Changed += s => published.Add(s.Generation);

        var clock = Stopwatch.StartNew();
        map.Update(TwoClasses);
        await WaitUntilAsync(() => monitor.Current.Generation == 2);

        Assert.True(clock.Elapsed < Within, $"took {clock.Elapsed}");
        Assert.Equal(["default", "fast"], monitor.Current.Classes.All.Select(c => c.Name));
        Assert.Null(monitor.LastError);
        Assert.Equal([2L], published);
        Assert.Contains(_logger.Entries, e => e.Id.Id == 5500 && e.Message.StartsWith("Configuration generation 2 in use", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConfigMapSymlinkSwap_InvalidChange_OldSnapshotStaysAndErrorSaysWhy()
    {
        using var map = new ConfigMapDirectory("config.yaml", Thick);
        await using var monitor = await StartAsync(map.Path, NoPolling);
        var first = monitor.Current;

        map.Update(Broken);
        await WaitUntilAsync(() => monitor.LastError is not null);

        Assert.Same(first, monitor.Current);
        Assert.Equal(1, monitor.RejectedReloads);
        var problem = Assert.Single(monitor.LastError!.Problems);
        Assert.Equal($"{map.Path}:4:13: device class 'default': fsType must be one of ext4, xfs, btrfs, not 'ntfs'", problem.ToString());
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Error && e.Id.Id == 5501 && e.Message.Contains("generation 1 stays in use", StringComparison.Ordinal) && e.Message.Contains(problem.ToString(), StringComparison.Ordinal));

        map.Update(TwoClasses);
        await WaitUntilAsync(() => monitor.Current.Generation == 2);

        Assert.Null(monitor.LastError);
        Assert.Equal(1, monitor.RejectedReloads);
    }

    [Fact]
    public async Task Snapshot_HeldAcrossReload_KeepsTheOldClasses()
    {
        using var map = new ConfigMapDirectory("config.yaml", TwoClasses);
        await using var monitor = await StartAsync(map.Path, NoPolling);
        var held = monitor.Current;

        map.Update(Thick);
        Assert.Equal(ReloadOutcome.Applied, await monitor.ReloadAsync(CancellationToken.None));

        Assert.NotNull(held.Classes.Find("fast"));
        Assert.Equal(1, held.Generation);
        Assert.Null(monitor.Current.Classes.Find("fast"));
        Assert.Equal(2, monitor.Current.Generation);
    }

    [Fact]
    public async Task ReloadAsync_CommentOnlyChange_NoNewGeneration()
    {
        using var file = new TempFile().Write(Thick);
        await using var monitor = await CreateAsync(file.Path);

        file.Write("# edited\n" + Thick);

        Assert.Equal(ReloadOutcome.Unchanged, await monitor.ReloadAsync(CancellationToken.None));
        Assert.Equal(ReloadOutcome.Unchanged, await monitor.ReloadAsync(CancellationToken.None));
        Assert.Equal(1, monitor.Current.Generation);
    }

    [Fact]
    public async Task ReloadAsync_FileGoneThenBack_RejectedThenValidAgainSameGeneration()
    {
        using var file = new TempFile().Write(Thick);
        await using var monitor = await CreateAsync(file.Path);

        File.Delete(file.Path);
        Assert.Equal(ReloadOutcome.Rejected, await monitor.ReloadAsync(CancellationToken.None));
        Assert.Equal(ReloadOutcome.Rejected, await monitor.ReloadAsync(CancellationToken.None));
        Assert.Equal($"{file.Path}: file not found", monitor.LastError?.Message);
        Assert.Single(_logger.Entries, e => e.Id.Id == 5501);

        file.Write(Thick);
        Assert.Equal(ReloadOutcome.Unchanged, await monitor.ReloadAsync(CancellationToken.None));

        Assert.Null(monitor.LastError);
        Assert.Equal(1, monitor.Current.Generation);
        Assert.Contains(_logger.Entries, e => e.Id.Id == 5503);
    }

    [Fact]
    public async Task InPlaceEdit_WatchedDirectory_Reloads()
    {
        using var file = new TempFile().Write(Thick);
        await using var monitor = await StartAsync(file.Path, NoPolling);

        file.Write(TwoClasses);
        await WaitUntilAsync(() => monitor.Current.Generation == 2);

        Assert.NotNull(monitor.Current.Classes.Find("fast"));
    }

    [Fact]
    public async Task Polling_ChangeTheWatcherCannotSee_Reloads()
    {
        // A watcher sees only its directory's own entries: a change inside the version directory is
        // invisible to it (kubelet never does that; an admin editing the target by hand might).
        using var map = new ConfigMapDirectory("config.yaml", Thick);
        var target = Path.Combine(map.Directory, "..data", "config.yaml");
        await using var monitor = await StartAsync(map.Path, TimeSpan.FromMilliseconds(200));

        File.WriteAllText(target, TwoClasses);
        await WaitUntilAsync(() => monitor.Current.Generation == 2);
    }

    [Fact]
    public async Task LabelsFileChange_SelectorNowMatches_NodeGetsThatSection()
    {
        using var config = new TempFile().Write(Thick + "nodes:\n  - selector: {matchLabels: {stratum.dev/disks: none}}\n    deviceClasses: []\n");
        using var labels = new TempFile("labels").Write("stratum.dev/disks=nvme\n");
        await using var monitor = await StartAsync(config.Path, NoPolling, new NodeLabelSource(labels.Path));
        Assert.Null(monitor.Current.Classes.RefusalReason);

        labels.Write("stratum.dev/disks=none\n");
        await WaitUntilAsync(() => monitor.Current.Generation == 2);

        Assert.Empty(monitor.Current.Classes.All);
        Assert.Contains("provisions no volumes", monitor.Current.Classes.RefusalReason, StringComparison.Ordinal);
        Assert.Equal("none", monitor.Current.Node.Node.Labels["stratum.dev/disks"]);
    }

    [Fact]
    public async Task CreateAsync_InvalidFile_ThrowsEveryProblem()
    {
        using var file = new TempFile().Write(Broken);

        var exception = await Assert.ThrowsAsync<ConfigException>(() => CreateAsync(file.Path));

        Assert.Equal(4, Assert.Single(exception.Problems).Line);
    }

    [Fact]
    public async Task CreateAsync_NoPath_BuiltInDefault()
    {
        await using var monitor = await ConfigMonitor.CreateAsync(new ConfigMonitorOptions { NodeName = "n1" }, _logger, CancellationToken.None);
        monitor.Start();

        Assert.Equal("default", monitor.Current.Classes.Default?.Name);
        Assert.Equal(ReloadOutcome.Unchanged, await monitor.ReloadAsync(CancellationToken.None));
    }

    private Task<ConfigMonitor> CreateAsync(string path, INodeLabelSource? labels = null) =>
        ConfigMonitor.CreateAsync(
            new ConfigMonitorOptions { ConfigPath = path, NodeName = "worker-1", Labels = labels ?? NodeLabelSource.None, PollInterval = NoPolling },
            _logger,
            CancellationToken.None);

    private async Task<ConfigMonitor> StartAsync(string path, TimeSpan poll, INodeLabelSource? labels = null)
    {
        var monitor = await ConfigMonitor.CreateAsync(
            new ConfigMonitorOptions { ConfigPath = path, NodeName = "worker-1", Labels = labels ?? NodeLabelSource.None, PollInterval = poll },
            _logger,
            CancellationToken.None);
        monitor.Start();
        return monitor;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Within, $"the condition did not hold within {Within.TotalSeconds} s");
            await Task.Delay(20);
        }
    }
}
