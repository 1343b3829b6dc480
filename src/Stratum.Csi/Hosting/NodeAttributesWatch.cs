using Microsoft.Extensions.Logging;
using Stratum.Csi.Services;
using Stratum.Kube.Client;
using Stratum.Kube.Modify;
using Stratum.Volumes;
using Stratum.Volumes.IoLimits;

namespace Stratum.Csi.Hosting;

/// <summary>
/// The VolumeAttributesClass watcher inside <c>stratum node</c> (docs/architecture.md, "Changing
/// IO limits"): applies the class the external-resizer recorded on a PV of this node, whichever
/// node's plugin the resizer called. Runs only when a Kubernetes client is configured (in a pod,
/// or the tests' fake API server), and starts in the background once the engine is up, never
/// before the socket serves.
/// </summary>
public sealed partial class NodeAttributesWatch : IAsyncDisposable
{
    private readonly VolumeAttributesWatcher? _watcher;
    private readonly KubeConnection? _owned;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    private NodeAttributesWatch(VolumeAttributesWatcher? watcher, KubeConnection? owned, string? unavailable)
    {
        _watcher = watcher;
        _owned = owned;
        Unavailable = unavailable;
    }

    /// <summary>Why the watch does not run (no Kubernetes API), or null when it does.</summary>
    public string? Unavailable { get; }

    /// <summary>The watcher, or null when no Kubernetes API is configured.</summary>
    public VolumeAttributesWatcher? Watcher => _watcher;

    /// <summary>
    /// A watch over <paramref name="api"/> when given (tests: the fake API server), else over the
    /// in-cluster API when the process runs in a pod, else one that never runs (said once).
    /// Nothing is read from the API here.
    /// </summary>
    public static NodeAttributesWatch Create(NodeStorage storage, string nodeId, KubeConnection? api, VolumeAttributesOptions? options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(loggers);
        var logger = loggers.CreateLogger<NodeAttributesWatch>();
        KubeConnection? owned = null;
        if (api is null)
        {
            if (!KubeConfigLoader.IsInCluster())
            {
                const string reason = "no in-cluster Kubernetes API (not running in a pod with a service account)";
                NoApi(logger, reason);
                return new NodeAttributesWatch(null, null, reason);
            }

            try
            {
                api = owned = new KubeConnection(KubeConfigLoader.InCluster());
            }
            catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException)
            {
                var reason = "the in-cluster Kubernetes configuration could not be read: " + e.Message;
                NoApi(logger, reason);
                return new NodeAttributesWatch(null, null, reason);
            }
        }

        var watcher = VolumeAttributesWatcher.Create(api, new EngineVolumeAttributes(storage), nodeId, options ?? new VolumeAttributesOptions(), loggers);
        return new NodeAttributesWatch(watcher, owned, null);
    }

    /// <summary>Starts the informers and the reconcile loop in the background (call once the engine is up); nothing without an API.</summary>
    public void Start()
    {
        if (_watcher is { } watcher && _loop is null)
        {
            _loop = Task.Run(() => watcher.RunAsync(_stop.Token), CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
        _owned?.Dispose();
    }

    [LoggerMessage(EventId = 4210, EventName = "NodeAttributesWatchNoApi", Level = LogLevel.Information,
        Message = "VolumeAttributesClass changes that reach another node's plugin are not applied here: {Reason}")]
    private static partial void NoApi(ILogger logger, string reason);
}

/// <summary>
/// This node's volumes for the VolumeAttributesClass watcher: their IO limits from the catalog
/// (one listing), the classes' parameters checked exactly as ControllerModifyVolume checks them,
/// and the change made through the same <see cref="NodeVolumes.ModifyAsync"/>.
/// </summary>
public sealed class EngineVolumeAttributes(NodeStorage storage) : INodeVolumeAttributes
{
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> ListAsync(CancellationToken cancellationToken)
    {
        var volumes = await storage.Engine.Catalog.ListAsync(cancellationToken).ConfigureAwait(false);
        return volumes.ToDictionary(v => v.Id.ToString(), v => v.Metadata.IoLimits.ToParameters(), StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, string> Canonical(IReadOnlyDictionary<string, string> parameters) => Parse(parameters).ToParameters();

    public Task ModifyAsync(string volumeId, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken) =>
        storage.Node.ModifyAsync(volumeId, Parse(parameters), cancellationToken);

    private static IoLimitSettings Parse(IReadOnlyDictionary<string, string> parameters)
    {
        try
        {
            return ControllerService.ParseMutableParameters(parameters);
        }
        catch (VolumeException ex) when (ex.Error == VolumeError.InvalidArgument)
        {
            throw new InvalidVolumeAttributesException(ex.Message, ex);
        }
    }
}
