using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Stratum.Csi.Grpc;

/// <summary>
/// A unary gRPC client over HTTP/2 without TLS, for Unix sockets and TCP, using the same framing
/// as <see cref="GrpcServer"/>. Used by the tests, the benchmarks and <c>stratum csi</c>.
/// </summary>
public sealed class GrpcClient : IDisposable
{
    private static readonly MediaTypeHeaderValue GrpcMediaType = new(GrpcProtocol.ContentType);

    private readonly HttpClient _http;
    private readonly ServerEndpoint _endpoint;

    public GrpcClient(ServerEndpoint endpoint, int maxReceiveMessageBytes = 16 * 1024 * 1024)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        _endpoint = endpoint;
        MaxReceiveMessageBytes = maxReceiveMessageBytes;
        var handler = CreateHandler(endpoint);
        var authority = endpoint.IsUnix ? "localhost" : endpoint.Tcp!.ToString();
        _http = new HttpClient(handler)
        {
            BaseAddress = new Uri($"http://{authority}"),
            Timeout = Timeout.InfiniteTimeSpan, // deadlines are per call
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public int MaxReceiveMessageBytes { get; }

    /// <summary>An HTTP/2 handler that connects to <paramref name="endpoint"/> (Unix socket or TCP).</summary>
    internal static SocketsHttpHandler CreateHandler(ServerEndpoint endpoint)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
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
    /// Calls <paramref name="method"/>. Throws <see cref="RpcException"/> for any non-OK status
    /// (DEADLINE_EXCEEDED when <paramref name="timeout"/> passes, UNAVAILABLE when the server
    /// cannot be reached) and <see cref="OperationCanceledException"/> when the caller cancels.
    /// </summary>
    public async Task<IMessage> CallAsync(MethodDescriptor method, IMessage request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Descriptor != method.InputType)
        {
            throw new ArgumentException($"{method.FullName} takes {method.InputType.Name}, not {request.Descriptor.Name}.", nameof(request));
        }

        var size = request.CalculateSize();
        var frame = new byte[GrpcProtocol.FrameHeaderLength + size];
        GrpcProtocol.WriteFrameHeader(frame, size);
        request.WriteTo(frame.AsSpan(GrpcProtocol.FrameHeaderLength));

        using var message = new HttpRequestMessage(HttpMethod.Post, GrpcMethod.PathOf(method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        message.Content.Headers.ContentType = GrpcMediaType;
        message.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        if (timeout is { } t)
        {
            message.Headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcProtocol.FormatTimeout(t));
        }

        using var deadline = timeout is { } d ? new CancellationTokenSource(d) : null;
        using var linked = deadline is null ? null : CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var token = linked?.Token ?? cancellationToken;
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            return await ReadResponseAsync(method, response, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(StatusCode.DeadlineExceeded, $"{method.Name}: no answer within {timeout}");
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException or IOException || ex.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new RpcException(StatusCode.Unavailable, $"cannot reach {_endpoint}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new RpcException(StatusCode.Unavailable, $"{method.Name} to {_endpoint} failed: {ex.Message}", ex);
        }
    }

    /// <summary>Typed form of <see cref="CallAsync(MethodDescriptor, IMessage, TimeSpan?, CancellationToken)"/>.</summary>
    public async Task<TResponse> CallAsync<TResponse>(MethodDescriptor method, IMessage request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where TResponse : IMessage<TResponse>
    {
        var response = await CallAsync(method, request, timeout, cancellationToken).ConfigureAwait(false);
        return response is TResponse typed
            ? typed
            : throw new ArgumentException($"{method.FullName} returns {method.OutputType.Name}, not {typeof(TResponse).Name}.");
    }

    public void Dispose() => _http.Dispose();

    private async Task<IMessage> ReadResponseAsync(MethodDescriptor method, HttpResponseMessage response, CancellationToken token)
    {
        // Trailers-only responses carry the status in the headers.
        if (TryStatus(response.Headers, out var headerStatus, out var headerMessage))
        {
            return headerStatus == StatusCode.OK
                ? throw new RpcException(StatusCode.Internal, $"{method.Name}: OK status without a message")
                : throw new RpcException(headerStatus, headerMessage);
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new RpcException(FromHttpStatus(response.StatusCode), $"{method.Name}: HTTP status {(int)response.StatusCode}");
        }

        var body = await response.Content.ReadAsByteArrayAsync(token).ConfigureAwait(false);
        if (!TryStatus(response.TrailingHeaders, out var status, out var detail))
        {
            throw new RpcException(StatusCode.Internal, $"{method.Name}: the response ended without grpc-status");
        }

        if (status != StatusCode.OK)
        {
            throw new RpcException(status, detail);
        }

        if (body.Length < GrpcProtocol.FrameHeaderLength)
        {
            throw new RpcException(StatusCode.Internal, $"{method.Name}: OK status without a message");
        }

        var (compressed, length) = GrpcProtocol.ReadFrameHeader(new System.Buffers.ReadOnlySequence<byte>(body));
        if (compressed)
        {
            throw new RpcException(StatusCode.Internal, $"{method.Name}: compressed responses are not supported");
        }

        if (length > MaxReceiveMessageBytes)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"{method.Name}: response of {length} bytes exceeds the limit of {MaxReceiveMessageBytes}");
        }

        if (body.Length != GrpcProtocol.FrameHeaderLength + length)
        {
            throw new RpcException(StatusCode.Internal, $"{method.Name}: the response body is not exactly one message");
        }

        try
        {
            return method.OutputType.Parser.ParseFrom(body, GrpcProtocol.FrameHeaderLength, (int)length);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(StatusCode.Internal, $"{method.Name}: malformed response: {ex.Message}");
        }
    }

    private static bool TryStatus(HttpHeaders headers, out StatusCode status, out string message)
    {
        status = StatusCode.Unknown;
        message = string.Empty;
        if (!headers.TryGetValues(GrpcProtocol.StatusHeader, out var values))
        {
            return false;
        }

        var raw = values.FirstOrDefault();
        status = int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? (StatusCode)code : StatusCode.Unknown;
        if (headers.TryGetValues(GrpcProtocol.MessageHeader, out var messages))
        {
            message = GrpcProtocol.DecodeMessage(messages.FirstOrDefault());
        }

        return true;
    }

    /// <summary>The gRPC spec's mapping for responses that are not gRPC at all.</summary>
    private static StatusCode FromHttpStatus(HttpStatusCode code) => code switch
    {
        HttpStatusCode.BadRequest => StatusCode.Internal,
        HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
        HttpStatusCode.NotFound => StatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };
}
