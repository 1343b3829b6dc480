using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using Stratum.Kube.Client;

namespace Stratum.Kube.Tests;

/// <summary>Stratum's own JSON for the Kubernetes types it uses, and the calls made with it against the fake API server.</summary>
public sealed class KubeJsonTests : FakeApiTest
{
    [Theory]
    [InlineData("2026-12-02T10:11:12Z", 0)]
    [InlineData("2026-12-02T10:11:12.123456Z", 1234560)]
    [InlineData("2026-12-02T10:11:12.123456789Z", 1234567)]
    [InlineData("2026-12-02T11:11:12.5+01:00", 5000000)]
    public void Read_Rfc3339Forms_UtcWithFractionKept(string text, long fractionTicks)
    {
        var lease = JsonSerializer.Deserialize("{\"spec\":{\"renewTime\":\"" + text + "\"}}", KubeJson.Default.V1Lease)!;

        var renewed = lease.Spec.RenewTime!.Value;
        Assert.Equal(DateTimeKind.Utc, renewed.Kind);
        Assert.Equal(new DateTime(2026, 12, 2, 10, 11, 12, DateTimeKind.Utc).AddTicks(fractionTicks), renewed);
    }

    [Fact]
    public void Write_Time_MicrosecondsInUtcAndNoNulls()
    {
        var lease = new V1Lease { Spec = new V1LeaseSpec { HolderIdentity = "a", RenewTime = new DateTime(2026, 12, 2, 10, 11, 12, DateTimeKind.Utc).AddTicks(1234567) } };

        var json = JsonSerializer.Serialize(lease, KubeJson.Default.V1Lease);

        Assert.Equal("""{"spec":{"holderIdentity":"a","renewTime":"2026-12-02T10:11:12.123456Z"}}""", json);
    }

    [Fact]
    public async Task CreateReplaceGet_Lease_RoundTripsThroughTheServer()
    {
        var path = KubeConnection.Namespaced("apis/coordination.k8s.io/v1", "kube-system", "leases");
        var created = await Api.CreateAsync(path, new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta { Name = "l1", NamespaceProperty = "kube-system" },
            Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15 },
        }, KubeJson.Default.V1Lease, CancellationToken.None);
        created.Spec.HolderIdentity = "b";

        var one = KubeConnection.Namespaced("apis/coordination.k8s.io/v1", "kube-system", "leases", "l1");
        await Api.ReplaceAsync(one, created, KubeJson.Default.V1Lease, CancellationToken.None);
        var read = await Api.GetAsync(one, new Dictionary<string, string?>(), KubeJson.Default.V1Lease, CancellationToken.None);

        Assert.Equal("b", read.Spec.HolderIdentity);
        Assert.Equal(15, read.Spec.LeaseDurationSeconds);
        var stale = await Assert.ThrowsAsync<KubeApiException>(() => Api.ReplaceAsync(one, created, KubeJson.Default.V1Lease, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
    }

    [Fact]
    public async Task Delete_WrongUidPrecondition_IsConflictAndKeepsTheObject()
    {
        await Api.CreateNodeAsync(Objects.Node("n1"));
        var path = KubeConnection.Cluster("api/v1", "nodes", "n1");

        var ex = await Assert.ThrowsAsync<KubeApiException>(() => Api.DeleteAsync(path, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = "other" } }, CancellationToken.None));

        Assert.True(KubeErrors.IsConflict(ex));
        Assert.NotNull(await Api.ReadNodeAsync("n1"));
    }

    [Fact]
    public async Task MergePatch_Finalizers_Replaced()
    {
        var pv = await Api.CreatePersistentVolumeAsync(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = "pv1", Finalizers = ["a", "b"] },
            Spec = new V1PersistentVolumeSpec { Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
        });

        await Api.MergePatchAsync(KubeConnection.Cluster("api/v1", "persistentvolumes", "pv1"), """{"metadata":{"finalizers":["b"]}}""", CancellationToken.None);

        var read = await Api.GetAsync("api/v1/persistentvolumes/pv1", new Dictionary<string, string?>(), KubeJson.Default.V1PersistentVolume, CancellationToken.None);
        Assert.Equal(["b"], read.Metadata.Finalizers);
        Assert.Equal("1Gi", read.Spec.Capacity["storage"].ToString());
        Assert.NotEqual(pv.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
    }
}
