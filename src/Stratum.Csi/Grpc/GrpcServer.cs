using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Reflection;
using Grpc.Reflection.V1Alpha;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stratum.Platform;

namespace Stratum.Csi.Grpc;

/// <summary>
/// grpc-dotnet on Kestrel, speaking HTTP/2 without TLS (h2c) on Unix sockets and, optionally, TCP.
/// Kestrel is driven directly with the few services grpc-dotnet needs (no generic host: no
/// configuration sources, hosted services or console lifetime), which keeps start-up short and
/// leaves SIGTERM handling to <see cref="Hosting.NodeHost"/>. Unknown methods answer
/// UNIMPLEMENTED; every served call passes <see cref="CallInterceptor"/>.
/// </summary>
public sealed class GrpcServer : IAsyncDisposable
{
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly KestrelServer _kestrel;
    private readonly ServiceProvider _services;
    private readonly Application _application;
    private readonly List<string> _ownedSockets = [];
    private int _state; // 0 new, 1 started, 2 stopped

    public GrpcServer(GrpcServerOptions options, IReadOnlyList<GrpcService> services, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        if (options.Endpoints.Count == 0)
        {
            throw new ArgumentException("At least one endpoint is needed.", nameof(options));
        }

        _options = options;
        _logger = loggerFactory.CreateLogger("Stratum.Csi.Grpc");

        var collection = new ServiceCollection();
        collection.AddSingleton(loggerFactory);
        collection.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        collection.AddSingleton(new DiagnosticListener("Microsoft.AspNetCore"));
        collection.AddSingleton(new CallInterceptor(services, options.MaxSendMessageBytes, _logger, options.Metrics));
        collection.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxReceiveMessageBytes;
            grpc.MaxSendMessageSize = options.MaxSendMessageBytes;
            grpc.Interceptors.Add<CallInterceptor>();
        });
        foreach (var service in services)
        {
            service.Register(collection);
        }

        if (options.Reflection)
        {
            // Built from the descriptors directly: no scan of the endpoints by reflection.
            collection.AddSingleton(new ReflectionServiceImpl(services.Select(s => s.Descriptor)));
        }

        _services = collection.BuildServiceProvider();

        var app = new ApplicationBuilder(_services);
        app.UseRouting();
        app.UseEndpoints(endpoints =>
        {
            foreach (var service in services)
            {
                service.Map(endpoints);
            }

            if (options.Reflection)
            {
                endpoints.MapGrpcService<ReflectionServiceImpl>();
            }
        });
        _application = new Application(new DefaultHttpContextFactory(_services), app.Build());

        var kestrelOptions = new KestrelServerOptions { AddServerHeader = false, ApplicationServices = _services };
        kestrelOptions.Limits.MaxRequestBodySize = null; // grpc-dotnet enforces the message limit itself
        kestrelOptions.Limits.Http2.MaxStreamsPerConnection = options.MaxStreamsPerConnection;
        kestrelOptions.Limits.MinRequestBodyDataRate = null;
        kestrelOptions.Limits.MinResponseDataRate = null;
        kestrelOptions.Limits.KeepAliveTimeout = options.IdleConnectionTimeout;
        foreach (var endpoint in options.Endpoints)
        {
            if (endpoint.IsUnix)
            {
                kestrelOptions.ListenUnixSocket(endpoint.SocketPath!, l => l.Protocols = HttpProtocols.Http2);
            }
            else
            {
                kestrelOptions.Listen(endpoint.Tcp!, l => l.Protocols = HttpProtocols.Http2);
            }
        }

        KestrelOptions = kestrelOptions;
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggerFactory);
        _kestrel = new KestrelServer(Options.Create(kestrelOptions), transport, loggerFactory);
    }

    /// <summary>The Kestrel settings derived from the options (visible to tests).</summary>
    internal KestrelServerOptions KestrelOptions { get; }

    /// <summary>Binds every endpoint and starts answering calls.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The server was already started.");
        }

        foreach (var endpoint in _options.Endpoints)
        {
            if (endpoint.IsUnix)
            {
                PrepareSocketPath(endpoint.SocketPath!);
            }
            else if (!IPAddress.IsLoopback(endpoint.Tcp!.Address))
            {
                GrpcLog.TcpNotLoopback(_logger, endpoint.ToString());
            }
        }

        await _kestrel.StartAsync(_application, cancellationToken).ConfigureAwait(false);
        foreach (var endpoint in _options.Endpoints)
        {
            if (endpoint.IsUnix)
            {
                _ownedSockets.Add(endpoint.SocketPath!);
                File.SetUnixFileMode(endpoint.SocketPath!, _options.SocketMode);
            }

            GrpcLog.Listening(_logger, endpoint.ToString());
        }
    }

    /// <summary>
    /// Stops accepting calls and lets in-flight ones finish; calls still running after
    /// <paramref name="gracePeriod"/> are cancelled.
    /// </summary>
    public async Task StopAsync(TimeSpan gracePeriod)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        GrpcLog.Stopping(_logger, gracePeriod.TotalSeconds);
        using var grace = new CancellationTokenSource(gracePeriod);
        try
        {
            await _kestrel.StopAsync(grace.Token).ConfigureAwait(false);
        }
        finally
        {
            foreach (var path in _ownedSockets)
            {
                TryDelete(path);
            }

            GrpcLog.Stopped(_logger);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _kestrel.Dispose();
        await _services.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Makes the socket path bindable: creates the directory, removes a socket left by a dead
    /// process, and refuses to touch a live socket or anything that is not a socket.
    /// </summary>
    private void PrepareSocketPath(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var status = FileStatus.Lstat(path);
        if (!status.Exists)
        {
            return;
        }

        if (status.Kind != FileKind.Socket)
        {
            throw new IOException($"{path} exists and is not a socket; refusing to replace it.");
        }

        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"Another process is already serving on {path}.");
            }
            catch (SocketException)
            {
                // Nobody listens: the socket is stale.
            }
        }

        File.Delete(path);
        GrpcLog.StaleSocketRemoved(_logger, path);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed class Application(DefaultHttpContextFactory contexts, RequestDelegate pipeline) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => contexts.Create(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context) => pipeline(context);

        public void DisposeContext(HttpContext context, Exception? exception) => contexts.Dispose(context);
    }
}
