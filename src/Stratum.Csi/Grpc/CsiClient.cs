using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using Stratum.Csi.V1;

namespace Stratum.Csi.Grpc;

/// <summary>
/// A CSI client (Grpc.Net.Client) for a Unix socket or a TCP endpoint, over HTTP/2 without TLS:
/// the generated clients of the three services, and <see cref="CallAsync(MethodDescriptor, IMessage, TimeSpan?, CancellationToken)"/>
/// for callers that pick the method at run time (<c>stratum csi</c>, table-driven tests). Used by
/// the CLI, the tests and the benchmarks.
/// </summary>
public sealed class CsiClient : IDisposable
{
    /// <summary>The largest response accepted by default.</summary>
    public const int DefaultMaxReceiveMessageBytes = 16 * 1024 * 1024;

    private static readonly ConcurrentDictionary<MethodDescriptor, Method<IMessage, IMessage>> Methods = new();

    public CsiClient(ServerEndpoint endpoint, int maxReceiveMessageBytes = DefaultMaxReceiveMessageBytes)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        var authority = endpoint.IsUnix ? "localhost" : endpoint.Tcp!.ToString();
        Channel = GrpcChannel.ForAddress($"http://{authority}", new GrpcChannelOptions
        {
            HttpHandler = CreateHandler(endpoint),
            DisposeHttpClient = true,
            MaxReceiveMessageSize = maxReceiveMessageBytes,
            // h2c: HTTP/2 with prior knowledge, never a downgrade to HTTP/1.1.
            HttpVersion = HttpVersion.Version20,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });
        Identity = new Identity.IdentityClient(Channel);
        Controller = new Controller.ControllerClient(Channel);
        Node = new Node.NodeClient(Channel);
        Status = new StatusApi.NodeStatus.NodeStatusClient(Channel);
    }

    public ServerEndpoint Endpoint { get; }

    public GrpcChannel Channel { get; }

    public Identity.IdentityClient Identity { get; }

    public Controller.ControllerClient Controller { get; }

    public Node.NodeClient Node { get; }

    /// <summary>Stratum's own status service (<c>stratum status</c>), served on the same endpoint.</summary>
    public StatusApi.NodeStatus.NodeStatusClient Status { get; }

    /// <summary>
    /// An HTTP/2 handler that connects to <paramref name="endpoint"/> (Unix socket or TCP). A socket
    /// that cannot be reached fails with an <see cref="EndpointUnreachableException"/> that says why
    /// in plain words (.NET reports a missing socket file as "Cannot assign requested address").
    /// </summary>
    public static SocketsHttpHandler CreateHandler(ServerEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        if (endpoint.IsUnix)
        {
            var path = endpoint.SocketPath!;
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch (SocketException ex)
                {
                    socket.Dispose();
                    throw new EndpointUnreachableException(endpoint, Explain(path, ex), ex);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        return handler;
    }

    /// <summary>
    /// Calls <paramref name="method"/> with <paramref name="request"/> (of its input type). A non-OK
    /// status throws <see cref="RpcException"/>; an endpoint that cannot be reached is UNAVAILABLE
    /// with the reason as its detail.
    /// </summary>
    public async Task<IMessage> CallAsync(MethodDescriptor method, IMessage request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Descriptor != method.InputType)
        {
            throw new ArgumentException($"{method.FullName} takes {method.InputType.Name}, not {request.Descriptor.Name}.", nameof(request));
        }

        var options = new CallOptions(deadline: timeout is { } t ? DateTime.UtcNow + t : null, cancellationToken: cancellationToken);
        try
        {
            return await Channel.CreateCallInvoker().AsyncUnaryCall(MethodOf(method), null, options, request).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && Unreachable(ex) is { } unreachable)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, unreachable.Message, unreachable));
        }
    }

    /// <summary>Calls the CSI method that takes <paramref name="request"/>'s type.</summary>
    public async Task<TResponse> CallAsync<TResponse>(IMessage request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(request);
        var method = CsiMethods.For(request);
        var response = await CallAsync(method, request, timeout, cancellationToken).ConfigureAwait(false);
        return response is TResponse typed
            ? typed
            : throw new ArgumentException($"{method.FullName} returns {method.OutputType.Name}, not {typeof(TResponse).Name}.");
    }

    public void Dispose() => Channel.Dispose();

    /// <summary>The reason a call could not reach the endpoint, if that is why it failed.</summary>
    public static EndpointUnreachableException? Unreachable(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (Exception? e = exception.Status.DebugException; e is not null; e = e.InnerException)
        {
            if (e is EndpointUnreachableException unreachable)
            {
                return unreachable;
            }
        }

        return null;
    }

    private static Method<IMessage, IMessage> MethodOf(MethodDescriptor method) => Methods.GetOrAdd(method, static m =>
        new Method<IMessage, IMessage>(
            MethodType.Unary,
            m.Service.FullName,
            m.Name,
            Marshallers.Create(static (IMessage message) => message.ToByteArray(), m.InputType.Parser.ParseFrom),
            Marshallers.Create(static (IMessage message) => message.ToByteArray(), m.OutputType.Parser.ParseFrom)));

    private static string Explain(string path, SocketException ex) => ex.SocketErrorCode switch
    {
        // .NET maps ENOENT on a Unix socket connect to AddressNotAvailable.
        SocketError.AddressNotAvailable when !File.Exists(path) => $"no such file or directory: {path}",
        SocketError.ConnectionRefused => $"nothing is listening on {path} (connection refused; a stale socket?)",
        SocketError.AccessDenied => $"permission denied: {path}",
        _ => $"{path}: {ex.Message}",
    };
}

/// <summary>A client could not connect to a plugin's endpoint; the message says why in plain words.</summary>
public sealed class EndpointUnreachableException(ServerEndpoint endpoint, string reason, Exception inner)
    : IOException($"cannot reach {endpoint}: {reason}", inner)
{
    public ServerEndpoint Endpoint { get; } = endpoint;
}
