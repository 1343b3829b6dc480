using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Stratum.Config;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;
using Stratum.Lvm;
using Stratum.Volumes.Filesystems;

namespace Stratum.Testing.Conformance;

/// <summary>
/// The real plugin (<see cref="NodePlugin"/>: Identity, Controller and Node services on Kestrel)
/// started in-process on a Unix socket, with the LVM, filesystem layer and configuration it is
/// given, and our gRPC client connected to it. Tests reach the plugin only through that client.
/// </summary>
public sealed class PluginUnderTest : IAsyncDisposable
{
    private readonly NodePlugin _plugin;
    private readonly ILoggerFactory _loggerFactory;
    private int _stopped;

    private PluginUnderTest(NodePlugin plugin, CsiClient client, ServerEndpoint endpoint, ILoggerFactory loggerFactory)
    {
        _plugin = plugin;
        Client = client;
        Endpoint = endpoint;
        _loggerFactory = loggerFactory;
    }

    /// <summary>How long one call may take (mkfs of a few hundred MiB under emulation takes a while).</summary>
    public static TimeSpan CallTimeout { get; } = TimeSpan.FromMinutes(5);

    /// <summary>Our CSI client, connected to the plugin's socket.</summary>
    public CsiClient Client { get; }

    public ServerEndpoint Endpoint { get; }

    /// <summary>How long the plugin may take to rediscover its volumes and report ready.</summary>
    public static TimeSpan ReadyTimeout { get; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Starts the plugin on <paramref name="socketPath"/>, connects a client to it and returns once
    /// Probe reports ready (the plugin serves Identity at once and rediscovers volumes in the
    /// background, as kubelet's probes see it).
    /// </summary>
    public static async Task<PluginUnderTest> StartAsync(
        string socketPath, string nodeId, ILvm lvm, IFilesystemOps filesystem, StratumConfig config, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        var endpoint = ServerEndpoint.Parse("unix://" + socketPath);
        var plugin = new NodePlugin(
            new NodeOptions { Endpoints = [endpoint], NodeId = nodeId, ShutdownGracePeriod = TimeSpan.FromSeconds(10) },
            loggerFactory,
            new NodeDependencies { Lvm = lvm, Filesystem = filesystem, Config = config });
        try
        {
            await plugin.StartAsync(cancellationToken);
        }
        catch
        {
            await plugin.DisposeAsync();
            throw;
        }

        var started = new PluginUnderTest(plugin, new CsiClient(endpoint), endpoint, loggerFactory);
        try
        {
            await started.WaitUntilReadyAsync(cancellationToken);
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }

        return started;
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while ((await CallAsync<Stratum.Csi.V1.ProbeResponse>(new Stratum.Csi.V1.ProbeRequest(), cancellationToken)).Ready != true)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the plugin did not report ready within {ReadyTimeout}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Calls the CSI method that takes <paramref name="request"/>'s type; any non-OK status throws <see cref="RpcException"/>.</summary>
    public Task<TResponse> CallAsync<TResponse>(IMessage request, CancellationToken cancellationToken = default)
        where TResponse : IMessage<TResponse> =>
        Client.CallAsync<TResponse>(request, CallTimeout, cancellationToken);

    /// <summary>Stops serving (in-flight calls may finish) and releases the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        Client.Dispose();
        await _plugin.StopAsync();
        await _plugin.DisposeAsync();
        _loggerFactory.Dispose();
    }
}
