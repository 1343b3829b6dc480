using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Kube.Informers;
using Stratum.Kube.Modify;
using Stratum.Kube.Testing;

namespace Stratum.Kube.Tests;

/// <summary>
/// The VolumeAttributesClass watcher of <c>stratum node</c> against the fake API server: the
/// owning node applies a PV's new class, other nodes' PVs are left alone, a 410 relists, an
/// unreachable API is retried without a crash, and the periodic reconcile applies what no event
/// brought (a failed apply, a drifted volume).
/// </summary>
public sealed class VolumeAttributesWatcherTests : FakeApiTest
{
    private const string NodeId = "n1";
    private const string V1 = "stratum:pvc-a:AAAAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAAA1";
    private const string V2 = "stratum:pvc-b:AAAAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAAA2";

    private readonly FakeNodeAttributes _node = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;
    private VolumeAttributesWatcher _watcher = null!;

    public override async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        await base.DisposeAsync();
        _stop.Dispose();
    }

    private void Start(TimeSpan? resync = null, TimeSpan? retry = null)
    {
        var options = new VolumeAttributesOptions
        {
            ResyncInterval = resync ?? TimeSpan.FromMinutes(10),
            RetryInterval = retry ?? TimeSpan.FromMinutes(10),
            Informer = new InformerOptions { InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(100) },
        };
        _watcher = VolumeAttributesWatcher.Create(Api, _node, NodeId, options, NullLoggerFactory.Instance);
        _running = _watcher.RunAsync(_stop.Token);
    }

    private Task FirstPassAsync() => Eventually.TrueAsync(() => _watcher.PassCount > 0 && _watcher.LastPass is { Skipped: false }, "a first pass ran on current caches");

    private void PutClass(string name, string driver = StratumNames.DriverName, params (string Key, string Value)[] parameters) => Server.Put(new V1VolumeAttributesClass
    {
        ApiVersion = "storage.k8s.io/v1",
        Kind = "VolumeAttributesClass",
        Metadata = new V1ObjectMeta { Name = name },
        DriverName = driver,
        Parameters = parameters.ToDictionary(p => p.Key, p => p.Value),
    });

    private void PutPv(string name, string volumeId, string node, string? className, string driver = StratumNames.DriverName)
    {
        var pv = Objects.PersistentVolume(name, volumeId, node, driver: driver);
        pv.Spec.VolumeAttributesClassName = className;
        Server.Put(pv);
    }

    [Fact]
    public async Task ClassChangedOnPv_OwningNode_AppliesTheNewClassOnce()
    {
        _node.Set(V1, ("writeIOPS", "100"));
        PutClass("slow", parameters: ("writeIOPS", "100"));
        PutClass("fast", parameters: [("writeIOPS", "8000"), ("readBytesPerSecond", "400")]);
        PutPv("pv-a", V1, NodeId, "slow");
        Start();
        await FirstPassAsync();
        Assert.Empty(_node.Modified); // the volume already has what its class says

        PutPv("pv-a", V1, NodeId, "fast"); // what the resizer records after another node's plugin answered OK

        await Eventually.TrueAsync(() => _node.Modified.Count == 1, "the new class was applied");
        Assert.Equal((V1, "readBytesPerSecond=400,writeIOPS=8000"), _node.Modified.Single());
        Assert.Equal("readBytesPerSecond=400,writeIOPS=8000", _node.Current(V1));
        var again = await _watcher.ReconcileAsync(CancellationToken.None); // a later pass: nothing left to do
        Assert.Equal((false, 0), (again.Skipped, again.Applied.Count));
        Assert.Single(_node.Modified);
    }

    [Fact]
    public async Task PvsOfAnotherNodeOrDriver_Ignored_OwnOneApplied()
    {
        _node.Set(V1);
        _node.Set(V2); // even a handle this node lists: the PV is pinned to n2
        PutClass("fast", parameters: ("writeIOPS", "8000"));
        PutPv("pv-other-node", V2, "n2", "fast");
        PutPv("pv-other-driver", V2, NodeId, "fast", driver: "other.csi.example.com");
        PutPv("pv-no-class", V2, NodeId, null);
        PutPv("pv-a", V1, NodeId, "fast");

        Start();

        await Eventually.TrueAsync(() => _node.Modified.Count == 1, "the own PV's class was applied");
        var later = await _watcher.ReconcileAsync(CancellationToken.None); // a whole pass after the one that applied
        Assert.Equal((false, 0), (later.Skipped, later.Applied.Count));
        Assert.Equal([V1], _node.Modified.Select(m => m.VolumeId));
        Assert.Equal("", _node.Current(V2));
    }

    [Fact]
    public async Task InvalidOrForeignClass_NotApplied()
    {
        _node.Set(V1, ("writeIOPS", "100"));
        _node.Set(V2, ("writeIOPS", "100"));
        PutClass("bad", parameters: ("deviceClass", "fast-disks"));
        PutClass("foreign", driver: "other.csi.example.com", parameters: ("writeIOPS", "1"));
        PutPv("pv-a", V1, NodeId, "bad");
        PutPv("pv-b", V2, NodeId, "foreign");
        Start();

        await FirstPassAsync();

        Assert.Empty(_node.Modified);
        Assert.Equal(("writeIOPS=100", "writeIOPS=100"), (_node.Current(V1), _node.Current(V2)));
    }

    [Fact]
    public async Task WatchGone_Relists_AppliesTheChangeMadeMeanwhile()
    {
        _node.Set(V1);
        PutClass("fast", parameters: ("writeIOPS", "8000"));
        PutPv("pv-a", V1, NodeId, null);
        Start();
        await FirstPassAsync();
        var lists = _watcher.PersistentVolumes.ListCount;

        // The watch is cut, the PV changes, and the history is compacted: re-watching from the old
        // resourceVersion is 410 Gone, and only a new list shows the change.
        Server.Faults.Unreachable = true;
        await Eventually.TrueAsync(() => !_watcher.PersistentVolumes.IsCurrent, "the informer noticed the cut");
        PutPv("pv-a", V1, NodeId, "fast");
        Server.Store.Compact();
        Server.Faults.Unreachable = false;

        await Eventually.TrueAsync(() => _node.Modified.Count == 1, "the change was applied after the relist");
        Assert.True(_watcher.PersistentVolumes.ListCount > lists, "the informer listed again");
        Assert.Equal("writeIOPS=8000", _node.Current(V1));
    }

    [Fact]
    public async Task ApiUnreachable_RetriesWithoutCrashing_AppliesOnceBack()
    {
        _node.Set(V1);
        PutClass("fast", parameters: ("writeIOPS", "8000"));
        PutPv("pv-a", V1, NodeId, "fast");
        Server.Faults.Unreachable = true;
        Start(retry: TimeSpan.FromMilliseconds(50));

        await Eventually.TrueAsync(() => Server.Requests.Count(r => r.Contains("persistentvolumes", StringComparison.Ordinal)) >= 3, "the list was retried");
        Assert.False(_running.IsCompleted, "the watcher stopped");
        Assert.Empty(_node.Modified);

        Server.Faults.Unreachable = false;

        await Eventually.TrueAsync(() => _node.Modified.Count == 1, "the class was applied once the API answered");
        Assert.False(_running.IsCompleted);
    }

    [Fact]
    public async Task FailedApply_RetriedByTheNextPass()
    {
        _node.Set(V1);
        _node.FailNext = 1; // e.g. LVM failed, or the volume was busy
        PutClass("fast", parameters: ("writeIOPS", "8000"));
        PutPv("pv-a", V1, NodeId, "fast");

        Start(retry: TimeSpan.FromMilliseconds(100));

        await Eventually.TrueAsync(() => _node.Modified.Count == 1, "the apply was retried");
        Assert.Equal(2, _node.Attempts);
    }

    [Fact]
    public async Task PeriodicReconcile_CatchesAChangeNoEventBrought()
    {
        _node.Set(V1);
        PutClass("fast", parameters: ("writeIOPS", "8000"));
        PutPv("pv-a", V1, NodeId, "fast");
        Start(resync: TimeSpan.FromMilliseconds(200));
        await Eventually.TrueAsync(() => _node.Modified.Count == 1, "the class was applied");

        // The volume loses its limits without anything changing in the API (an old
        // ControllerModifyVolume, a restored LVM metadata backup): no event comes.
        _node.Set(V1, ("writeIOPS", "100"));
        var requests = Server.Requests.Count;

        await Eventually.TrueAsync(() => _node.Modified.Count == 2, "the periodic reconcile applied the class again");
        Assert.Equal("writeIOPS=8000", _node.Current(V1));
        Assert.DoesNotContain(Server.Requests.Skip(requests), r => r.StartsWith("GET", StringComparison.Ordinal) && !r.Contains("watch", StringComparison.Ordinal)); // from the caches, no new list
    }

    /// <summary>The node's volumes as the test sets them; records every modify.</summary>
    private sealed class FakeNodeAttributes : INodeVolumeAttributes
    {
        private static readonly string[] Known = ["readBytesPerSecond", "writeBytesPerSecond", "readIOPS", "writeIOPS"];
        private readonly Lock _gate = new();
        private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _volumes = new(StringComparer.Ordinal);
        private readonly List<(string VolumeId, string Parameters)> _modified = [];

        public int FailNext { get; set; }

        public int Attempts { get; private set; }

        public IReadOnlyList<(string VolumeId, string Parameters)> Modified
        {
            get
            {
                lock (_gate)
                {
                    return [.. _modified];
                }
            }
        }

        public void Set(string volumeId, params (string Key, string Value)[] parameters)
        {
            lock (_gate)
            {
                _volumes[volumeId] = parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            }
        }

        public string Current(string volumeId)
        {
            lock (_gate)
            {
                return Text(_volumes[volumeId]);
            }
        }

        public Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> ListAsync(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                return Task.FromResult<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>>(new Dictionary<string, IReadOnlyDictionary<string, string>>(_volumes, StringComparer.Ordinal));
            }
        }

        public IReadOnlyDictionary<string, string> Canonical(IReadOnlyDictionary<string, string> parameters) =>
            parameters.Keys.FirstOrDefault(k => !Known.Contains(k)) is { } unknown
                ? throw new InvalidVolumeAttributesException($"parameter '{unknown}' cannot be changed")
                : parameters;

        public Task ModifyAsync(string volumeId, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                Attempts++;
                if (FailNext > 0)
                {
                    FailNext--;
                    throw new InvalidOperationException("lvchange failed");
                }

                _volumes[volumeId] = new Dictionary<string, string>(parameters, StringComparer.Ordinal);
                _modified.Add((volumeId, Text(parameters)));
            }

            return Task.CompletedTask;
        }

        private static string Text(IReadOnlyDictionary<string, string> parameters) =>
            string.Join(',', parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
    }
}
