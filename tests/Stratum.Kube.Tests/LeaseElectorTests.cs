using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Kube.Client;
using Stratum.Kube.Leader;
using Stratum.Kube.Testing;

namespace Stratum.Kube.Tests;

public sealed class LeaseElectorTests : FakeApiTest
{


    [Fact]
    public async Task TryAcquire_NoLease_CreatesItAndLeads()
    {
        var elector = Elector("one");

        Assert.True(await elector.TryAcquireOrRenewAsync(CancellationToken.None));

        var lease = Lease();
        Assert.Equal("one", lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseDurationSeconds);
    }

    [Fact]
    public async Task TryAcquire_HeldByAnotherAndFresh_DoesNotLead()
    {
        Assert.True(await Elector("one").TryAcquireOrRenewAsync(CancellationToken.None));

        Assert.False(await Elector("two").TryAcquireOrRenewAsync(CancellationToken.None));
        Assert.Equal("one", Lease().Spec.HolderIdentity);
    }

    [Fact]
    public async Task TryAcquire_HeldByAnotherThatStoppedRenewing_TakesOverAfterTheLeaseDuration()
    {
        Assert.True(await Elector("one").TryAcquireOrRenewAsync(CancellationToken.None));
        var two = Elector("two");
        Assert.False(await two.TryAcquireOrRenewAsync(CancellationToken.None));

        await Task.Delay(TimeSpan.FromSeconds(1.2));

        Assert.True(await two.TryAcquireOrRenewAsync(CancellationToken.None));
        Assert.Equal("two", Lease().Spec.HolderIdentity);
        Assert.Equal(1, Lease().Spec.LeaseTransitions);
    }

    [Fact]
    public async Task Run_TwoReplicas_OneLeadsAndTheOtherTakesOverWhenItStops()
    {
        using var stopOne = new CancellationTokenSource();
        using var stopTwo = new CancellationTokenSource();
        var one = Elector("one");
        var two = Elector("two");
        var leading = new List<string>();
        Func<CancellationToken, Task> Work(string who) => async token =>
        {
            lock (leading)
            {
                leading.Add(who);
            }

            await Task.Delay(Timeout.Infinite, token);
        };

        var runOne = one.RunAsync(Work("one"), stopOne.Token);
        await Eventually.TrueAsync(() => one.IsLeader, "one leads");
        var runTwo = two.RunAsync(Work("two"), stopTwo.Token);
        await Task.Delay(300);
        Assert.False(two.IsLeader);

        await stopOne.CancelAsync();
        await runOne;
        // One released the lease on its way out; two may already have taken it by now, but one never holds it again.
        Assert.NotEqual("one", Lease().Spec.HolderIdentity);

        await Eventually.TrueAsync(() => two.IsLeader, "two takes over after one released the lease", TimeSpan.FromSeconds(5));
        await stopTwo.CancelAsync();
        await runTwo;
        lock (leading)
        {
            Assert.Equal(["one", "two"], leading);
        }
    }

    [Fact]
    public async Task Run_LeaderStopped_ReleasesTheLease()
    {
        var elector = await LeadThenStopAsync(() => Task.CompletedTask);

        Assert.Null(Lease().Spec.HolderIdentity);
        Assert.False(elector.IsLeader);
    }

    [Fact]
    public async Task Run_StoppedWhileAnAppliedRenewalIsUnanswered_StillReleasesTheLease()
    {
        await LeadThenStopAsync(async () =>
        {
            Server.Faults.WriteAnswerDelay = TimeSpan.FromSeconds(5);
            var before = Lease().Metadata.ResourceVersion;
            await Eventually.TrueAsync(() => Lease().Metadata.ResourceVersion != before, "a renewal is applied but not yet answered");
            Server.Faults.WriteAnswerDelay = TimeSpan.Zero;
        });

        // The elector's copy of the lease is one version behind the server's; the release must not stop at the conflict.
        Assert.Null(Lease().Spec.HolderIdentity);
        Assert.Equal(1, Lease().Spec.LeaseDurationSeconds);
    }

    [Fact]
    public async Task Run_ApiUnreachable_LeaderStopsItsWorkWithinTheRenewDeadline()
    {
        using var stop = new CancellationTokenSource();
        var elector = Elector("one");
        var workEnded = new TaskCompletionSource();
        var run = elector.RunAsync(async token =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            finally
            {
                workEnded.TrySetResult();
            }
        }, stop.Token);
        await Eventually.TrueAsync(() => elector.IsLeader, "one leads");

        Server.Faults.Unreachable = true;

        await workEnded.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(elector.IsLeader);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task TryAcquire_ConcurrentCandidatesOnAnExpiredLease_ExactlyOneWins()
    {
        Server.Put(new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta { Name = "stratum-controller", NamespaceProperty = "stratum" },
            Spec = new V1LeaseSpec { HolderIdentity = null, LeaseDurationSeconds = 1 },
        });
        var candidates = Enumerable.Range(0, 5).Select(i => Elector($"c{i}")).ToList();

        var results = await Task.WhenAll(candidates.Select(c => c.TryAcquireOrRenewAsync(CancellationToken.None)));

        Assert.Equal(1, results.Count(r => r));
        Assert.Equal(candidates[Array.IndexOf(results, true)].IsLeader ? "" : Lease().Spec.HolderIdentity, Lease().Spec.HolderIdentity);
    }

    /// <summary>Runs elector "one" until it leads, then <paramref name="whileLeading"/>, then stops it and waits for it to return.</summary>
    private async Task<LeaseElector> LeadThenStopAsync(Func<Task> whileLeading)
    {
        using var stop = new CancellationTokenSource();
        var elector = Elector("one");
        var run = elector.RunAsync(token => Task.Delay(Timeout.Infinite, token), stop.Token);
        await Eventually.TrueAsync(() => elector.IsLeader, "one leads");

        await whileLeading();
        await stop.CancelAsync();
        await run;
        return elector;
    }

    private LeaseElector Elector(string identity) => new(Api, new LeaderElectionOptions
    {
        Namespace = "stratum",
        Identity = identity,
        LeaseDuration = TimeSpan.FromSeconds(1),
        RenewDeadline = TimeSpan.FromMilliseconds(600),
        RetryPeriod = TimeSpan.FromMilliseconds(100),
    }, new RecordingMetrics(), NullLogger.Instance);

    private V1Lease Lease() => Server.Get<V1Lease>(ResourceType.Leases, "stratum", "stratum-controller")!;
}
