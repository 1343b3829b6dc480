using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Stratum.Config;

/// <summary>What <see cref="ConfigMonitor"/> is to watch.</summary>
public sealed record ConfigMonitorOptions
{
    /// <summary>The configuration file; null uses <see cref="ConfigLoader.BuiltInDefault"/> and watches nothing.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>A configuration to use as it is instead of a file (tests, benchmarks); nothing is watched.</summary>
    public StratumConfig? FixedConfig { get; init; }

    /// <summary>This node's name, for the <c>nodes</c> sections.</summary>
    public required string NodeName { get; init; }

    /// <summary>This node's labels, for the <c>nodes</c> selectors.</summary>
    public INodeLabelSource Labels { get; init; } = NodeLabelSource.None;

    /// <summary>
    /// How often the files are read again whatever the file watcher says (it misses changes on some
    /// filesystems, and a ConfigMap mounted with subPath never changes its directory).
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait after a change event for the writer to finish (kubelet swaps several links).</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>The result of one <see cref="ConfigMonitor.ReloadAsync"/>.</summary>
public enum ReloadOutcome
{
    /// <summary>Nothing this node sees changed; no new generation.</summary>
    Unchanged,

    /// <summary>A new snapshot was published.</summary>
    Applied,

    /// <summary>The file (or the labels) is invalid; the previous snapshot stays and <see cref="ConfigMonitor.LastError"/> says why.</summary>
    Rejected,
}

/// <summary>
/// Hot reload: holds the current <see cref="ConfigSnapshot"/>, notices changes of the configuration
/// file (an edit in place, a rename over it, or a Kubernetes ConfigMap volume's <c>..data</c>
/// symlink swap) and of the node's labels within seconds, validates the result, and publishes it
/// as a new immutable snapshot with the next generation number. An invalid change is rejected and
/// logged with every rule it broke; the last valid snapshot stays in use. Changes are noticed by
/// a file watcher on the file's directory and, as a safety net, by reading the files every
/// <see cref="ConfigMonitorOptions.PollInterval"/>.
/// </summary>
public sealed partial class ConfigMonitor : IAsyncDisposable
{
    private readonly ConfigMonitorOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly List<FileSystemWatcher> _watchers = [];
    private ConfigSnapshot _current;
    private string _lastSeenHash;
    private ConfigReloadError? _lastError;
    private long _rejected;
    private Task? _loop;

    private ConfigMonitor(ConfigMonitorOptions options, ILogger logger, ConfigSnapshot initial)
    {
        _options = options;
        _logger = logger;
        _current = initial;
        _lastSeenHash = initial.ContentHash;
    }

    /// <summary>The snapshot in use. Read it once per operation and keep the reference.</summary>
    public ConfigSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Why the last reload was rejected, or null when the files are valid as last read.</summary>
    public ConfigReloadError? LastError => Volatile.Read(ref _lastError);

    /// <summary>How many reloads were rejected since start.</summary>
    public long RejectedReloads => Interlocked.Read(ref _rejected);

    /// <summary>When the files were last read (UTC).</summary>
    public DateTimeOffset LastCheckedAt { get; private set; }

    public ConfigMonitorOptions Options => _options;

    /// <summary>Raised after a new snapshot is published (on the reloading thread; handlers must be quick).</summary>
    public event Action<ConfigSnapshot>? Changed;

    /// <summary>Loads and validates the configuration for the first time (generation 1).</summary>
    /// <exception cref="ConfigException">The file or the labels are invalid: the plugin cannot start.</exception>
    public static async Task<ConfigMonitor> CreateAsync(ConfigMonitorOptions options, ILogger<ConfigMonitor> logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var (hash, node) = await ReadAsync(options, cancellationToken).ConfigureAwait(false);
        var monitor = new ConfigMonitor(options, logger, new ConfigSnapshot(1, node(), hash, DateTimeOffset.UtcNow))
        {
            LastCheckedAt = DateTimeOffset.UtcNow,
        };
        Log.Applied(logger, 1, SourceOf(options), monitor.Current.Node.Node.ToString(), monitor.Current.Node.Origin, Describe(monitor.Current.Node));
        return monitor;
    }

    /// <summary>
    /// <see cref="CreateAsync"/> for a synchronous start-up path (the plugin's constructor); the only
    /// waiting is for the local files.
    /// </summary>
    public static ConfigMonitor Create(ConfigMonitorOptions options, ILogger<ConfigMonitor> logger) =>
        CreateAsync(options, logger, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Starts watching the files (a watcher on each directory, and the poll timer).</summary>
    public void Start()
    {
        if (_loop is not null)
        {
            return;
        }

        var files = new List<string>(_options.Labels.WatchedFiles);
        if (_options.ConfigPath is { } path && _options.FixedConfig is null)
        {
            files.Insert(0, path);
        }

        foreach (var directory in files.Select(f => Path.GetDirectoryName(Path.GetFullPath(f))!).Distinct(StringComparer.Ordinal))
        {
            Watch(directory);
        }

        _loop = files.Count == 0 ? Task.CompletedTask : Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Asks for a reload soon (after the debounce); for sources that learn of changes themselves.</summary>
    public void RequestReload() => _requests.Writer.TryWrite(true);

    /// <summary>
    /// Reads the files now and publishes a new snapshot if what this node sees changed. Never throws
    /// for an invalid configuration: that is <see cref="ReloadOutcome.Rejected"/>.
    /// </summary>
    public async Task<ReloadOutcome> ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReloadLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    private async Task<ReloadOutcome> ReloadLockedAsync(CancellationToken cancellationToken)
    {
        var current = Current;
        string hash;
        Func<NodeConfig> build;
        try
        {
            (hash, build) = await ReadAsync(_options, cancellationToken).ConfigureAwait(false);
        }
        catch (ConfigException e)
        {
            var failure = "unreadable: " + e.Message;
            return failure == _lastSeenHash ? ReloadOutcome.Rejected : Reject(e.Problems, failure);
        }
        finally
        {
            LastCheckedAt = DateTimeOffset.UtcNow;
        }

        if (hash == _lastSeenHash)
        {
            // The same text as last time: nothing to do, and an error about it was logged already.
            return LastError is null ? ReloadOutcome.Unchanged : ReloadOutcome.Rejected;
        }

        _lastSeenHash = hash;
        NodeConfig node;
        try
        {
            node = build();
        }
        catch (ConfigException e)
        {
            return Reject(e.Problems, hash);
        }

        var hadError = Interlocked.Exchange(ref _lastError, null) is not null;
        if (node.Equals(current.Node))
        {
            if (hadError)
            {
                Log.ValidAgain(_logger, current.Generation);
            }
            else
            {
                Log.Unchanged(_logger, current.Generation);
            }

            return ReloadOutcome.Unchanged;
        }

        var next = new ConfigSnapshot(current.Generation + 1, node, hash, DateTimeOffset.UtcNow);
        Volatile.Write(ref _current, next);
        Log.Applied(_logger, next.Generation, SourceOf(_options), node.Node.ToString(), node.Origin, Describe(node));
        Changed?.Invoke(next);
        return ReloadOutcome.Applied;
    }

    private ReloadOutcome Reject(IReadOnlyList<ConfigProblem> problems, string hash)
    {
        _lastSeenHash = hash;
        var error = new ConfigReloadError(DateTimeOffset.UtcNow, problems);
        Volatile.Write(ref _lastError, error);
        Interlocked.Increment(ref _rejected);
        Log.Rejected(_logger, Current.Generation, error.Message);
        return ReloadOutcome.Rejected;
    }

    /// <summary>Reads the file and the labels; returns their hash and a function that validates them into this node's view.</summary>
    private static async Task<(string Hash, Func<NodeConfig> Build)> ReadAsync(ConfigMonitorOptions options, CancellationToken cancellationToken)
    {
        var path = options.FixedConfig is null ? options.ConfigPath : null;
        var text = path is null ? null : ConfigLoader.ReadFile(path);
        var labels = await options.Labels.ReadAsync(cancellationToken).ConfigureAwait(false);
        var identity = new NodeIdentity(options.NodeName, labels);

        var content = new StringBuilder(text ?? options.FixedConfig?.GetHashCode().ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(built-in)").Append('\0');
        foreach (var (key, value) in identity.Labels)
        {
            content.Append(key).Append('=').Append(value).Append('\n');
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content.ToString())))[..12];
        var fixedConfig = options.FixedConfig ?? ConfigLoader.BuiltInDefault;
        return (hash, () => (text is null ? fixedConfig : ConfigLoader.LoadFromText(text, path!)).ForNode(identity));
    }

    private async Task RunAsync(CancellationToken stop)
    {
        Task<bool>? request = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                request ??= _requests.Reader.WaitToReadAsync(stop).AsTask();
                var tick = Task.Delay(_options.PollInterval, stop);
                if (await Task.WhenAny(request, tick).ConfigureAwait(false) == request)
                {
                    request = null;
                    await Task.Delay(_options.Debounce, stop).ConfigureAwait(false);
                    while (_requests.Reader.TryRead(out _))
                    {
                    }
                }

                stop.ThrowIfCancellationRequested();
                await ReloadAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A bug or an unexpected I/O failure must not end hot reload; the next tick retries.
                Log.ReloadFailed(_logger, e.ToString());
            }
        }
    }

    private void Watch(string directory)
    {
        try
        {
            var watcher = new FileSystemWatcher(directory)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            watcher.Changed += (_, _) => RequestReload();
            watcher.Created += (_, _) => RequestReload();
            watcher.Deleted += (_, _) => RequestReload();
            watcher.Renamed += (_, _) => RequestReload();
            watcher.Error += (_, e) => Log.WatchFailed(_logger, directory, e.GetException().Message, _options.PollInterval.TotalSeconds);
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            Log.WatchFailed(_logger, directory, e.Message, _options.PollInterval.TotalSeconds);
        }
    }

    /// <summary>Where the configuration comes from, for logs and status.</summary>
    public static string SourceOf(ConfigMonitorOptions options) =>
        options.FixedConfig is not null ? "(given configuration)" : options.ConfigPath ?? "(built-in default)";

    private static string Describe(NodeConfig node) =>
        node.DeviceClasses.Count == 0 ? "none" : string.Join(", ", node.DeviceClasses.Select(c => $"{c.Name} (VG {c.VolumeGroup}{(c.IsThin ? $", thin pool {c.Thin!.Pool}" : string.Empty)})"));

    public async ValueTask DisposeAsync()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
        _reloadGate.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5500, Level = LogLevel.Information, Message = "Configuration generation {Generation} in use (from {Source}): node {Node} takes {Origin}; device classes: {Classes}")]
        public static partial void Applied(ILogger logger, long generation, string source, string node, string origin, string classes);

        [LoggerMessage(EventId = 5501, Level = LogLevel.Error, Message = "Configuration change rejected; generation {Generation} stays in use. Problems:\n{Problems}")]
        public static partial void Rejected(ILogger logger, long generation, string problems);

        [LoggerMessage(EventId = 5502, Level = LogLevel.Debug, Message = "Configuration files changed but nothing this node uses did; generation {Generation} stays")]
        public static partial void Unchanged(ILogger logger, long generation);

        [LoggerMessage(EventId = 5503, Level = LogLevel.Information, Message = "Configuration is valid again and the same as generation {Generation}, which stays in use")]
        public static partial void ValidAgain(ILogger logger, long generation);

        [LoggerMessage(EventId = 5504, Level = LogLevel.Warning, Message = "Cannot watch {Directory} for changes ({Reason}); the files are still read every {Seconds} s")]
        public static partial void WatchFailed(ILogger logger, string directory, string reason, double seconds);

        [LoggerMessage(EventId = 5505, Level = LogLevel.Error, Message = "Configuration reload failed unexpectedly (retried at the next check): {Reason}")]
        public static partial void ReloadFailed(ILogger logger, string reason);
    }
}
