using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Kube.Client;
using Stratum.Kube.Gc;
using Stratum.Kube.Testing;

namespace Stratum.Kube.Tests;

/// <summary>The orphan GC against the fake API server: exactly the orphans go, nothing else, and nothing while the API is down.</summary>
public sealed class OrphanCollectorTests : FakeApiTest
{
    private const string NodeId = "node-a";
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromHours(1);

    private readonly ManualTime _time = new(Now);
    private readonly FakeVolumeSource _volumes = new();
    private readonly RecordingMetrics _metrics = new();
    private RecordingRemover _remover = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _remover = new RecordingRemover(_volumes);
        Server.Put(Objects.Node(NodeId));
        Server.Put(Objects.Node("node-b"));
    }

    /// <summary>The table every mode runs against: one volume per rule.</summary>
    private void SeedTable()
    {
        // Bound: its PV exists.
        AddVolume("bound", createdHoursAgo: 5);
        Server.Put(Objects.PersistentVolume("pvc-bound", Id("bound"), NodeId, claimNamespace: "ns", claimName: "bound"));
        // Orphans: no PV, old, not in use.
        AddVolume("orphan1", createdHoursAgo: 5);
        AddVolume("orphan2", createdHoursAgo: 48, pvcNamespace: "ns", pvcName: "gone");
        // An orphan that is staged/published: reported, never deleted.
        AddVolume("staged", createdHoursAgo: 5, inUse: true);
        // Foreign: no owner tag.
        AddVolume("foreign", createdHoursAgo: 500, owned: false);
        // Too young: created within the grace period.
        AddVolume("young", createdHoursAgo: 0.25);
        // A pending claim whose UID is in the CSI name: the provisioner is about to create its PV.
        var claim = Server.Put(Objects.Claim("ns", "waiting", selectedNode: NodeId));
        AddVolume("waiting", createdHoursAgo: 5, csiName: "pvc-" + claim.Metadata.Uid);
        // PV of this node whose LV is gone.
        Server.Put(Objects.PersistentVolume("pvc-lost", "stratum:lost:UUID-LOST", NodeId, claimNamespace: "ns", claimName: "lost"));
        // PV of another node: none of this node's business.
        Server.Put(Objects.PersistentVolume("pvc-other", "stratum:other:UUID-OTHER", "node-b"));
    }

    [Fact]
    public async Task RunOnce_DryRun_ReportsTheOrphansAndDeletesNothing()
    {
        SeedTable();

        var report = await Collector().RunOnceAsync(GcMode.Report, CancellationToken.None);

        Assert.Equal(GcOutcome.Completed, report.Outcome);
        Assert.Empty(_remover.Deleted);
        Assert.Equal(
            ["orphan1:Orphan:WouldDelete", "orphan2:Orphan:WouldDelete", "staged:OrphanInUse:None", "waiting:AwaitingClaim:None", "young:TooYoung:None"],
            Summary(report));
        Assert.Equal(3, report.OrphanCount);
        Assert.Equal("pvc-lost", Assert.Single(report.Missing).PersistentVolume.Name);
        Assert.Equal(("completed", 3, 1), Assert.Single(_metrics.GcPasses));
    }

    [Fact]
    public async Task RunOnce_DeleteMode_DeletesExactlyTheOrphans()
    {
        SeedTable();

        var report = await Collector().RunOnceAsync(GcMode.Delete, CancellationToken.None);

        Assert.Equal(["orphan1", "orphan2"], _remover.Deleted.Order(StringComparer.Ordinal));
        Assert.Equal(2, report.DeletedCount);
        Assert.Equal(2, _metrics.OrphansDeleted);
        Assert.Equal(["bound", "foreign", "staged", "waiting", "young"], _volumes.Volumes.Select(v => v.LvName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RunOnce_DeleteModeAgain_FindsNothingMoreToDelete()
    {
        SeedTable();
        var collector = Collector();
        await collector.RunOnceAsync(GcMode.Delete, CancellationToken.None);

        var second = await collector.RunOnceAsync(GcMode.Delete, CancellationToken.None);

        Assert.Equal(2, _remover.Deleted.Count);
        Assert.Equal(0, second.DeletedCount);
        Assert.Equal(1, second.OrphanCount);
    }

    [Fact]
    public async Task RunOnce_YoungVolumeAfterTheGracePeriod_BecomesAnOrphan()
    {
        AddVolume("young", createdHoursAgo: 0.5);
        var collector = Collector();
        Assert.Equal(["young:TooYoung:None"], Summary(await collector.RunOnceAsync(GcMode.Delete, CancellationToken.None)));

        _time.Advance(TimeSpan.FromMinutes(31));

        Assert.Equal(["young:Orphan:Deleted"], Summary(await collector.RunOnceAsync(GcMode.Delete, CancellationToken.None)));
    }

    [Fact]
    public async Task RunOnce_UnknownCreationTime_CountsTheGraceFromFirstSight()
    {
        _volumes.Volumes.Add(Volume("nodate") with { CreatedAt = null });
        var collector = Collector();
        Assert.Equal(["nodate:TooYoung:None"], Summary(await collector.RunOnceAsync(GcMode.Delete, CancellationToken.None)));

        _time.Advance(Grace);

        Assert.Equal(["nodate:Orphan:Deleted"], Summary(await collector.RunOnceAsync(GcMode.Delete, CancellationToken.None)));
    }

    [Fact]
    public async Task RunOnce_ApiUnreachable_DecidesNothingAndDeletesNothing()
    {
        SeedTable();
        Server.Faults.Unreachable = true;

        var report = await Collector().RunOnceAsync(GcMode.Delete, CancellationToken.None);

        Assert.Equal(GcOutcome.ApiUnavailable, report.Outcome);
        Assert.Empty(report.Findings);
        Assert.Empty(_remover.Deleted);
        Assert.Equal("skipped_api_unavailable", Assert.Single(_metrics.GcPasses).Result);
    }

    [Fact]
    public async Task RunOnce_ApiFailsOnTheClaimList_DeletesNothing()
    {
        SeedTable();
        // Nodes and PVs answer; the PVC list fails: a half-read view must not be used.
        Server.Faults.FailPath("persistentvolumeclaims", 500);

        var report = await Collector().RunOnceAsync(GcMode.Delete, CancellationToken.None);

        Assert.Equal(GcOutcome.ApiUnavailable, report.Outcome);
        Assert.Empty(_remover.Deleted);
    }

    [Fact]
    public async Task RunOnce_VolumesCannotBeListed_DeletesNothing()
    {
        SeedTable();
        _volumes.Failure = new IOException("lvs timed out");

        var report = await Collector().RunOnceAsync(GcMode.Delete, CancellationToken.None);

        Assert.Equal(GcOutcome.VolumesUnavailable, report.Outcome);
        Assert.Empty(_remover.Deleted);
    }

    [Fact]
    public async Task RunOnce_NodeNotInThisCluster_DeletesNothing()
    {
        SeedTable();
        Server.Store.ForceRemove(ResourceType.Nodes, null, NodeId);

        var report = await Collector().RunOnceAsync(GcMode.Delete, CancellationToken.None);

        Assert.Equal(GcOutcome.NodeNotRegistered, report.Outcome);
        Assert.Empty(_remover.Deleted);
    }

    [Fact]
    public async Task RunOnce_PendingClaimMatchedByTags_KeepsTheVolume()
    {
        Server.Put(Objects.Claim("ns", "tagged"));
        AddVolume("tagged", createdHoursAgo: 5, pvcNamespace: "ns", pvcName: "tagged");

        var report = await Collector().RunOnceAsync(GcMode.Delete, CancellationToken.None);

        Assert.Equal(["tagged:AwaitingClaim:None"], Summary(report));
    }

    [Fact]
    public async Task RunOnce_BoundClaimOfTheSameName_DoesNotProtectTheVolume()
    {
        Server.Put(Objects.Claim("ns", "reused", volumeName: "pvc-elsewhere"));
        AddVolume("old", createdHoursAgo: 5, pvcNamespace: "ns", pvcName: "reused");

        var report = await Collector().RunOnceAsync(GcMode.Delete, CancellationToken.None);

        Assert.Equal(["old:Orphan:Deleted"], Summary(report));
    }

    [Fact]
    public async Task RunOnce_PvWithTheVolumesNameButAnotherHandle_KeepsTheVolume()
    {
        AddVolume("renamed", createdHoursAgo: 5, csiName: "pvc-renamed");
        Server.Put(Objects.PersistentVolume("pvc-renamed", "stratum:renamed:OTHER-UUID", NodeId));

        var report = await Collector().RunOnceAsync(GcMode.Delete, CancellationToken.None);

        Assert.Contains("renamed:NameTaken:None", Summary(report));
        Assert.Empty(_remover.Deleted);
    }

    [Fact]
    public async Task RunOnce_PvOfAnotherDriverWithTheSameHandle_DoesNotCount()
    {
        AddVolume("v", createdHoursAgo: 5);
        Server.Put(Objects.PersistentVolume("foreign-pv", Id("v"), NodeId, driver: "other.csi.example.com"));

        var report = await Collector().RunOnceAsync(GcMode.Report, CancellationToken.None);

        Assert.Equal(["v:Orphan:WouldDelete"], Summary(report));
    }

    [Fact]
    public async Task RunOnce_MoreOrphansThanTheLimit_DeletesTheLimitAndDefersTheRest()
    {
        for (var i = 0; i < 4; i++)
        {
            AddVolume($"o{i}", createdHoursAgo: 5);
        }

        var report = await Collector(options: new GcOptions { GracePeriod = Grace, MaxDeletionsPerPass = 3 }).RunOnceAsync(GcMode.Delete, CancellationToken.None);

        Assert.Equal(3, _remover.Deleted.Count);
        Assert.Single(report.Findings, f => f.Action == GcAction.DeferredByLimit);
    }

    [Fact]
    public async Task RunOnce_DeleteFails_ReportsItAndGoesOn()
    {
        AddVolume("stuck", createdHoursAgo: 5);
        AddVolume("fine", createdHoursAgo: 5);
        _remover.Failing.Add("stuck");

        var report = await Collector().RunOnceAsync(GcMode.Delete, CancellationToken.None);

        Assert.Equal(["fine:Orphan:Deleted", "stuck:Orphan:DeleteFailed"], Summary(report));
    }

    [Fact]
    public async Task RunOnce_DeletingPv_IsNotReportedMissing()
    {
        var pv = Objects.PersistentVolume("pvc-going", "stratum:going:UUID", NodeId);
        Server.Put(pv);
        Server.Store.Delete(ResourceType.PersistentVolumes, null, "pvc-going");

        var report = await Collector().RunOnceAsync(GcMode.Report, CancellationToken.None);

        Assert.Empty(report.Missing);
    }

    [Fact]
    public async Task RunOnce_ManyPvsAcrossPages_SeesThemAll()
    {
        for (var i = 0; i < 7; i++)
        {
            AddVolume($"v{i}", createdHoursAgo: 5);
            Server.Put(Objects.PersistentVolume($"pv{i}", Id($"v{i}"), NodeId));
        }

        var collector = new OrphanCollector(_volumes, _remover, new KubeClusterVolumeReader(Api, pageSize: 2), NodeId, new GcOptions { GracePeriod = Grace }, _metrics, NullLogger.Instance, _time);
        var report = await collector.RunOnceAsync(GcMode.Delete, CancellationToken.None);

        Assert.Empty(report.Findings);
        Assert.Empty(_remover.Deleted);
    }

    [Fact]
    public async Task ToText_ListsEveryFindingAndMissingVolume()
    {
        SeedTable();

        var text = (await Collector().RunOnceAsync(GcMode.Report, CancellationToken.None)).ToText();

        Assert.Contains("6 volumes of ours, 3 orphans, 1 PVs without their volume", text, StringComparison.Ordinal);
        Assert.Contains("WOULD-DELETE   stratum/orphan1", text, StringComparison.Ordinal);
        Assert.Contains("KEEP-IN-USE    stratum/staged", text, StringComparison.Ordinal);
        Assert.Contains("MISSING        PV pvc-lost (claim ns/lost, Bound)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("foreign", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pvc-0f9d6a8e-3c4b-4bb2-9d53-3e2f1a0b7c11", "0f9d6a8e-3c4b-4bb2-9d53-3e2f1a0b7c11")]
    [InlineData("pvc-notauid", null)]
    [InlineData("my-volume", null)]
    [InlineData(null, null)]
    public void ClaimUidFromCsiName_ReadsTheProvisionersNaming(string? csiName, string? expected) =>
        Assert.Equal(expected, OrphanCollector.ClaimUidFromCsiName(csiName));

    private OrphanCollector Collector(IClusterVolumeReader? reader = null, GcOptions? options = null) =>
        new(_volumes, _remover, reader ?? new KubeClusterVolumeReader(Api), NodeId, options ?? new GcOptions { GracePeriod = Grace }, _metrics, NullLogger.Instance, _time);

    private static string Id(string lv) => $"stratum:{lv}:UUID-{lv}";

    private static NodeVolume Volume(string lv) => new()
    {
        VolumeId = Id(lv),
        VolumeGroup = "stratum",
        LvName = lv,
        Owned = true,
        CsiName = "pvc-" + lv,
        DeviceClass = "default",
        SizeBytes = 1L << 30,
        CreatedAt = Now - TimeSpan.FromHours(5),
        InUse = false,
    };

    private void AddVolume(string lv, double createdHoursAgo, bool inUse = false, bool owned = true, string? csiName = null, string? pvcNamespace = null, string? pvcName = null) =>
        _volumes.Volumes.Add(Volume(lv) with
        {
            CreatedAt = Now - TimeSpan.FromHours(createdHoursAgo),
            InUse = inUse,
            Owned = owned,
            CsiName = csiName ?? "pvc-" + lv,
            PvcNamespace = pvcNamespace,
            PvcName = pvcName,
        });

    private static List<string> Summary(GcReport report) =>
        [.. report.Findings.Select(f => $"{f.Volume.LvName}:{f.Verdict}:{f.Action}").Order(StringComparer.Ordinal)];
}
