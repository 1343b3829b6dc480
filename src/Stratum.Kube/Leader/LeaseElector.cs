using k8s.Models;
using Microsoft.Extensions.Logging;
using Stratum.Kube.Client;
using Stratum.Metrics;

namespace Stratum.Kube.Leader;

/// <summary>Leader election settings; the defaults are client-go's.</summary>
public sealed record LeaderElectionOptions
{
    public required string Namespace { get; init; }

    public string LeaseName { get; init; } = "stratum-controller";

    /// <summary>This replica's identity (the pod name).</summary>
    public required string Identity { get; init; }

    /// <summary>How long a lease holds without renewal, as observed by the others.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The leader gives up leading when it could not renew for this long (shorter than the lease).</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time between acquire and renew attempts.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Lease-based leader election (coordination.k8s.io/v1), the algorithm client-go uses: take an
/// absent or expired lease, renew it every retry period with optimistic concurrency (a 409 means
/// someone else wrote it), and judge expiry by the local time the holder's record was last seen to
/// change, so clock skew between nodes does not matter. KubernetesClient's LeaderElector is not
/// part of its AOT package, hence this one. The leader's work gets a token that is cancelled as
/// soon as leadership is lost; on shutdown the lease is released for a fast hand-over.
/// </summary>
public sealed class LeaseElector
{
    private const string LeasePrefix = "apis/coordination.k8s.io/v1";
    private static readonly Dictionary<string, string?> NoQuery = [];
    private readonly KubeConnection _api;
    private readonly LeaderElectionOptions _options;
    private readonly IStratumMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private (string? Holder, DateTime? RenewTime, string? Version) _observed;
    private DateTimeOffset _observedAt;
    private V1Lease? _lease;

    public LeaseElector(KubeConnection api, LeaderElectionOptions options, IStratumMetrics metrics, ILogger logger, TimeProvider? time = null)
    {
        _api = api;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>True while this replica holds the lease.</summary>
    public bool IsLeader { get; private set; }

    /// <summary>The holder last seen in the lease.</summary>
    public string? ObservedHolder => _observed.Holder;

    /// <summary>
    /// Campaigns until leader, runs <paramref name="lead"/> while leading, and campaigns again if
    /// leadership is lost. Returns when <paramref name="cancellationToken"/> is cancelled (after
    /// releasing the lease if held).
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!await AcquireAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var work = RunLeaderWorkAsync(lead, leading.Token);
            await RenewUntilLostAsync(leading, work, cancellationToken).ConfigureAwait(false);
            SetLeader(false);
            await leading.CancelAsync().ConfigureAwait(false);
            await work.ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                await ReleaseAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    private string LeasePath => KubeConnection.Namespaced(LeasePrefix, _options.Namespace, "leases", _options.LeaseName);

    /// <summary>One acquire-or-renew attempt; true when this replica holds the lease afterwards.</summary>
    public async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        V1Lease? lease;
        try
        {
            lease = await _api.GetAsync(LeasePath, NoQuery, KubeJson.Default.V1Lease, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (KubeErrors.IsNotFound(ex))
        {
            lease = null;
        }

        if (lease is null)
        {
            var created = new V1Lease
            {
                ApiVersion = "coordination.k8s.io/v1",
                Kind = "Lease",
                Metadata = new V1ObjectMeta { Name = _options.LeaseName, NamespaceProperty = _options.Namespace },
                Spec = Spec(now, now, 0),
            };
            try
            {
                _lease = await _api.CreateAsync(KubeConnection.Namespaced(LeasePrefix, _options.Namespace, "leases"), created, KubeJson.Default.V1Lease, cancellationToken).ConfigureAwait(false);
                Observe(_lease, now);
                return true;
            }
            catch (Exception ex) when (KubeErrors.IsConflict(ex))
            {
                return false;
            }
        }

        Observe(lease, now);
        var holder = lease.Spec?.HolderIdentity;
        var ours = holder == _options.Identity;
        var duration = TimeSpan.FromSeconds(lease.Spec?.LeaseDurationSeconds ?? (int)_options.LeaseDuration.TotalSeconds);
        if (!ours && !string.IsNullOrEmpty(holder) && now < _observedAt + duration)
        {
            return false;
        }

        var transitions = lease.Spec?.LeaseTransitions ?? 0;
        lease.Spec = ours
            ? Spec(lease.Spec?.AcquireTime is { } acquired ? new DateTimeOffset(DateTime.SpecifyKind(acquired, DateTimeKind.Utc)) : now, now, transitions)
            : Spec(now, now, transitions + 1);
        try
        {
            _lease = await _api.ReplaceAsync(LeasePath, lease, KubeJson.Default.V1Lease, cancellationToken).ConfigureAwait(false);
            Observe(_lease, now);
            return true;
        }
        catch (Exception ex) when (KubeErrors.IsConflict(ex))
        {
            return false;
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        LeaderLog.Campaigning(_logger, _options.Identity, _options.Namespace, _options.LeaseName);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false))
                {
                    SetLeader(true);
                    return true;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception ex)
            {
                LeaderLog.AttemptFailed(_logger, KubeErrors.Describe(ex));
            }

            if (!await DelayAsync(_options.RetryPeriod, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return false;
    }

    private async Task RenewUntilLostAsync(CancellationTokenSource leading, Task work, CancellationToken cancellationToken)
    {
        var lastRenew = _time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested && !work.IsCompleted)
        {
            if (!await DelayAsync(_options.RetryPeriod, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            var renewed = false;
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(_options.RenewDeadline);
                renewed = await TryAcquireOrRenewAsync(attempt.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LeaderLog.AttemptFailed(_logger, KubeErrors.Describe(ex));
            }

            var now = _time.GetUtcNow();
            if (renewed)
            {
                lastRenew = now;
            }
            else if (_observed.Holder is { Length: > 0 } other && other != _options.Identity)
            {
                LeaderLog.Lost(_logger, _options.Identity, $"the lease is now held by {other}");
                return;
            }
            else if (now - lastRenew >= _options.RenewDeadline)
            {
                LeaderLog.Lost(_logger, _options.Identity, $"could not renew for {_options.RenewDeadline.TotalSeconds:0}s");
                return;
            }
        }
    }

    private async Task RunLeaderWorkAsync(Func<CancellationToken, Task> lead, CancellationToken leading)
    {
        try
        {
            await lead(leading).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LeaderLog.WorkFailed(_logger, ex);
        }
    }

    /// <summary>
    /// Gives the lease up (holder cleared, 1 s duration) so another replica takes over at once. A
    /// renewal cut short by the shutdown may still have reached the server, leaving our copy one
    /// version behind; a conflict therefore re-reads the lease and releases it if it is still ours.
    /// </summary>
    private async Task ReleaseAsync()
    {
        var lease = _lease;
        if (lease is null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(_options.RenewDeadline);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (lease?.Spec?.HolderIdentity != _options.Identity)
                {
                    return;
                }

                lease.Spec.HolderIdentity = null;
                lease.Spec.LeaseDurationSeconds = 1;
                lease.Spec.RenewTime = _time.GetUtcNow().UtcDateTime;
                _lease = await _api.ReplaceAsync(LeasePath, lease, KubeJson.Default.V1Lease, timeout.Token).ConfigureAwait(false);
                LeaderLog.Released(_logger, _options.Identity);
                return;
            }
            catch (Exception ex) when (attempt < 3 && KubeErrors.IsConflict(ex))
            {
                try
                {
                    lease = await _api.GetAsync(LeasePath, NoQuery, KubeJson.Default.V1Lease, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception readFailed)
                {
                    LeaderLog.AttemptFailed(_logger, "release: " + KubeErrors.Describe(readFailed));
                    return;
                }
            }
            catch (Exception ex)
            {
                LeaderLog.AttemptFailed(_logger, "release: " + KubeErrors.Describe(ex));
                return;
            }
        }
    }

    private V1LeaseSpec Spec(DateTimeOffset acquired, DateTimeOffset renewed, int transitions) => new()
    {
        HolderIdentity = _options.Identity,
        LeaseDurationSeconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds),
        AcquireTime = acquired.UtcDateTime,
        RenewTime = renewed.UtcDateTime,
        LeaseTransitions = transitions,
    };

    private void Observe(V1Lease lease, DateTimeOffset now)
    {
        var record = (lease.Spec?.HolderIdentity, lease.Spec?.RenewTime, lease.Metadata?.ResourceVersion);
        if (record != _observed)
        {
            _observed = record;
            _observedAt = now;
        }
    }

    private void SetLeader(bool leader)
    {
        if (IsLeader == leader)
        {
            return;
        }

        IsLeader = leader;
        _metrics.LeadershipChanged(leader);
        if (leader)
        {
            LeaderLog.Acquired(_logger, _options.Identity, _options.Namespace, _options.LeaseName);
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
