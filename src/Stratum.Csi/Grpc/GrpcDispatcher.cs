using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Stratum.Csi.Grpc;

/// <summary>
/// Serves one HTTP/2 request as a unary gRPC call: route, read one length-prefixed message,
/// run the handler under the caller's deadline, write one message and the status trailers.
/// Every failure becomes a gRPC status; nothing escapes to Kestrel, and every call is logged once.
/// </summary>
internal sealed class GrpcDispatcher
{
    private static readonly JsonFormatter LogFormatter = new(JsonFormatter.Settings.Default);

    /// <summary>The longest delay a CancellationTokenSource accepts.</summary>
    private static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly GrpcMethodTable _methods;
    private readonly int _maxReceiveBytes;
    private readonly int _maxSendBytes;
    private readonly ILogger _logger;

    public GrpcDispatcher(GrpcMethodTable methods, int maxReceiveBytes, int maxSendBytes, ILogger logger)
    {
        _methods = methods;
        _maxReceiveBytes = maxReceiveBytes;
        _maxSendBytes = maxSendBytes;
        _logger = logger;
    }

    public async Task DispatchAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        var path = http.Request.Path.Value ?? string.Empty;
        var logLevel = LogLevel.Information;
        IMessage? request = null;
        Outcome outcome;
        try
        {
            if (!HttpMethods.IsPost(http.Request.Method))
            {
                http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                outcome = Outcome.Fail(StatusCode.Internal, $"gRPC needs POST, not {http.Request.Method}");
            }
            else if (!GrpcProtocol.IsGrpcContentType(http.Request.ContentType))
            {
                http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                outcome = Outcome.Fail(StatusCode.Internal, $"content-type '{http.Request.ContentType}' is not application/grpc");
            }
            else if (!_methods.TryGet(path, out var method))
            {
                outcome = Outcome.Fail(StatusCode.Unimplemented, $"method {path} is not implemented by this plugin");
            }
            else
            {
                logLevel = method.LogLevel;
                (outcome, request) = await ServeAsync(http, method).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (http.RequestAborted.IsCancellationRequested)
        {
            // The caller went away while we were reading or writing; nobody will see an answer.
            outcome = Outcome.Fail(StatusCode.Cancelled, $"the caller cancelled the call ({ex.GetType().Name})");
        }
        catch (Exception ex)
        {
            // Never let anything reach Kestrel, which would answer HTTP 500 without a gRPC status.
            GrpcLog.HandlerCrashed(_logger, path, ex);
            outcome = Outcome.Fail(StatusCode.Internal, $"internal error: {ex.Message}");
        }

        if (outcome.Status != StatusCode.OK && !http.Response.HasStarted && !http.RequestAborted.IsCancellationRequested)
        {
            WriteTrailersOnly(http, outcome);
        }

        Log(path, logLevel, outcome, request, Stopwatch.GetElapsedTime(started));
    }

    private async Task<(Outcome, IMessage?)> ServeAsync(HttpContext http, GrpcMethod method)
    {
        TimeSpan? timeout = null;
        if (http.Request.Headers.TryGetValue(GrpcProtocol.TimeoutHeader, out var timeoutHeader))
        {
            timeout = GrpcProtocol.ParseTimeout(timeoutHeader.ToString());
            if (timeout is null)
            {
                return (Outcome.Fail(StatusCode.Internal, $"malformed grpc-timeout '{timeoutHeader}'"), null);
            }

            if (timeout > MaxTimer)
            {
                timeout = null; // beyond what a timer can hold (~49 days): no practical deadline
            }
        }

        using var deadline = timeout is { } t ? new CancellationTokenSource(t) : null;
        using var linked = deadline is null
            ? null
            : CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, http.RequestAborted);
        var token = linked?.Token ?? http.RequestAborted;

        var (read, payload) = await ReadRequestAsync(http, token).ConfigureAwait(false);
        if (read.Status != StatusCode.OK)
        {
            return (DeadlineOr(read, deadline), null);
        }

        IMessage request;
        try
        {
            request = method.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            return (Outcome.Fail(StatusCode.Internal, $"the request is not a valid {method.Descriptor.InputType.Name}: {ex.Message}"), null);
        }

        IMessage response;
        try
        {
            var context = new CallContext(method.Path, timeout is { } d ? DateTimeOffset.UtcNow + d : null, token);
            response = await method.InvokeAsync(request, context).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            return (Outcome.Fail(ex.Status, ex.Detail), request);
        }
        catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true)
        {
            return (Outcome.Fail(StatusCode.DeadlineExceeded, $"the deadline of {timeout} passed before the call finished"), request);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return (Outcome.Fail(StatusCode.Cancelled, "the caller cancelled the call"), request);
        }
        catch (Exception ex)
        {
            GrpcLog.HandlerCrashed(_logger, method.Path, ex);
            return (Outcome.Fail(StatusCode.Internal, $"internal error: {ex.Message}"), request);
        }

        var size = response.CalculateSize();
        if (size > _maxSendBytes)
        {
            return (Outcome.Fail(StatusCode.ResourceExhausted, $"the response of {size} bytes exceeds the send limit of {_maxSendBytes} bytes"), request);
        }

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = GrpcProtocol.ContentType;
        var writer = http.Response.BodyWriter;
        var buffer = writer.GetSpan(GrpcProtocol.FrameHeaderLength + size);
        GrpcProtocol.WriteFrameHeader(buffer, size);
        response.WriteTo(buffer.Slice(GrpcProtocol.FrameHeaderLength, size));
        writer.Advance(GrpcProtocol.FrameHeaderLength + size);
        await writer.FlushAsync(http.RequestAborted).ConfigureAwait(false);
        http.Response.AppendTrailer(GrpcProtocol.StatusHeader, "0");
        return (Outcome.Ok, request);
    }

    /// <summary>Reads exactly one framed message; anything else is a protocol error.</summary>
    private async Task<(Outcome, ReadOnlySequence<byte>)> ReadRequestAsync(HttpContext http, CancellationToken token)
    {
        var reader = http.Request.BodyReader;
        ReadResult result;
        try
        {
            result = await reader.ReadAtLeastAsync(GrpcProtocol.FrameHeaderLength, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return (Outcome.Fail(StatusCode.Cancelled, "cancelled while reading the request"), default);
        }

        var buffer = result.Buffer;
        if (buffer.Length < GrpcProtocol.FrameHeaderLength)
        {
            reader.AdvanceTo(buffer.Start, buffer.End);
            return (Outcome.Fail(StatusCode.Internal, buffer.Length == 0
                ? "the request carried no message"
                : $"the request ended inside a message header ({buffer.Length} of 5 bytes)"), default);
        }

        var (compressed, length) = GrpcProtocol.ReadFrameHeader(buffer);
        if (compressed)
        {
            reader.AdvanceTo(buffer.Start, buffer.End);
            var encoding = http.Request.Headers[GrpcProtocol.EncodingHeader].ToString();
            return string.IsNullOrEmpty(encoding) || encoding == "identity"
                ? (Outcome.Fail(StatusCode.Internal, "the message is flagged compressed but no grpc-encoding was sent"), default)
                : (Outcome.Fail(StatusCode.Unimplemented, $"grpc-encoding '{encoding}' is not supported; send uncompressed messages"), default);
        }

        if (length > _maxReceiveBytes)
        {
            reader.AdvanceTo(buffer.Start, buffer.End);
            return (Outcome.Fail(StatusCode.ResourceExhausted, $"the request message of {length} bytes exceeds the limit of {_maxReceiveBytes} bytes"), default);
        }

        var frameLength = GrpcProtocol.FrameHeaderLength + length;
        reader.AdvanceTo(buffer.Start, buffer.End);
        try
        {
            // Read to the end of the stream: a unary request is exactly one message.
            while (true)
            {
                result = await reader.ReadAsync(token).ConfigureAwait(false);
                buffer = result.Buffer;
                if (buffer.Length > frameLength)
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    return (Outcome.Fail(StatusCode.Internal, "a unary request carried more than one message"), default);
                }

                if (result.IsCompleted)
                {
                    break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException)
        {
            return (Outcome.Fail(StatusCode.Cancelled, "cancelled while reading the request"), default);
        }

        if (buffer.Length < frameLength)
        {
            reader.AdvanceTo(buffer.Start, buffer.End);
            return (Outcome.Fail(StatusCode.Internal, $"the request ended after {buffer.Length - GrpcProtocol.FrameHeaderLength} of {length} message bytes"), default);
        }

        // The buffer stays valid until the next reader call; the handler parses it first.
        var payload = buffer.Slice(GrpcProtocol.FrameHeaderLength, length);
        var copy = payload.ToArray();
        reader.AdvanceTo(buffer.End);
        return (Outcome.Ok, new ReadOnlySequence<byte>(copy));
    }

    private static Outcome DeadlineOr(Outcome outcome, CancellationTokenSource? deadline) =>
        outcome.Status == StatusCode.Cancelled && deadline?.IsCancellationRequested == true
            ? Outcome.Fail(StatusCode.DeadlineExceeded, "the deadline passed while the request was being read")
            : outcome;

    private static void WriteTrailersOnly(HttpContext http, Outcome outcome)
    {
        if (http.Response.StatusCode == 0)
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
        }

        http.Response.ContentType = GrpcProtocol.ContentType;
        http.Response.Headers[GrpcProtocol.StatusHeader] = ((int)outcome.Status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers[GrpcProtocol.MessageHeader] = GrpcProtocol.EncodeMessage(outcome.Detail);
        if (outcome.Status == StatusCode.Unimplemented)
        {
            http.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = "identity";
        }
    }

    private void Log(string path, LogLevel okLevel, Outcome outcome, IMessage? request, TimeSpan elapsed)
    {
        var level = outcome.Status switch
        {
            StatusCode.OK => okLevel,
            StatusCode.Internal or StatusCode.Unknown or StatusCode.DataLoss => LogLevel.Error,
            _ => LogLevel.Warning,
        };
        if (!_logger.IsEnabled(level))
        {
            return;
        }

        var shown = request is null ? "(none)" : LogFormatter.Format(SecretStripper.Strip(request));
        if (outcome.Status == StatusCode.OK)
        {
            GrpcLog.CallCompleted(_logger, level, path, "OK", elapsed.TotalMilliseconds, shown);
        }
        else
        {
            GrpcLog.CallFailed(_logger, level, path, outcome.Status.ToWireName(), elapsed.TotalMilliseconds, outcome.Detail, shown);
        }
    }

    private readonly record struct Outcome(StatusCode Status, string Detail)
    {
        public static Outcome Ok => new(StatusCode.OK, string.Empty);

        public static Outcome Fail(StatusCode status, string detail) => new(status, detail);
    }
}
