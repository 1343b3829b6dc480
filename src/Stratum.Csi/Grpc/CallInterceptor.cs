using System.Collections.Frozen;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Stratum.Metrics;

namespace Stratum.Csi.Grpc;

/// <summary>
/// Wraps every call the server answers: waits for the service's gate (readiness), turns an
/// unexpected exception into INTERNAL (a bug is never the caller's fault), checks the response
/// against the send limit, and logs the call once (method, code, duration, request with CSI
/// secrets stripped).
/// </summary>
internal sealed class CallInterceptor : Interceptor
{
    private static readonly JsonFormatter LogFormatter = new(JsonFormatter.Settings.Default);

    private readonly FrozenDictionary<string, Policy> _policies;
    private readonly int _maxSendBytes;
    private readonly ILogger _logger;
    private readonly IStratumMetrics _metrics;

    public CallInterceptor(IEnumerable<GrpcService> services, int maxSendBytes, ILogger logger, IStratumMetrics? metrics = null)
    {
        var policies = new Dictionary<string, Policy>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            foreach (var method in service.Descriptor.Methods)
            {
                var level = service.PollingMethods.Contains(method.Name) ? LogLevel.Debug : LogLevel.Information;
                policies[$"/{service.Descriptor.FullName}/{method.Name}"] = new Policy(level, service.Gate);
            }
        }

        _policies = policies.ToFrozenDictionary(StringComparer.Ordinal);
        _maxSendBytes = maxSendBytes;
        _logger = logger;
        _metrics = metrics ?? NullStratumMetrics.Instance;
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var policy = _policies.GetValueOrDefault(context.Method) ?? Policy.Default;
        try
        {
            if (policy.Gate is { } gate)
            {
                await gate(context.CancellationToken).ConfigureAwait(false);
            }

            var response = await continuation(request, context).ConfigureAwait(false);
            if (response is IMessage message && message.CalculateSize() is var size && size > _maxSendBytes)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"the response of {size} bytes exceeds the send limit of {_maxSendBytes} bytes"));
            }

            Log(context.Method, policy.Level, StatusCode.OK, string.Empty, request, started);
            return response;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented && string.IsNullOrEmpty(ex.Status.Detail))
        {
            // What a generated base class throws for a method the service does not override.
            var status = new Status(StatusCode.Unimplemented, $"{context.Method} is not implemented by this plugin");
            Log(context.Method, policy.Level, status.StatusCode, status.Detail, request, started);
            throw new RpcException(status);
        }
        catch (RpcException ex)
        {
            Log(context.Method, policy.Level, ex.StatusCode, ex.Status.Detail, request, started);
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            var status = context.Deadline <= DateTime.UtcNow
                ? new Status(StatusCode.DeadlineExceeded, $"the deadline ({context.Deadline:O}) passed before the call finished")
                : new Status(StatusCode.Cancelled, "the caller cancelled the call");
            Log(context.Method, policy.Level, status.StatusCode, status.Detail, request, started);
            throw new RpcException(status);
        }
        catch (Exception ex)
        {
            GrpcLog.HandlerCrashed(_logger, context.Method, ex);
            var status = new Status(StatusCode.Internal, $"internal error: {ex.Message}", ex);
            Log(context.Method, policy.Level, status.StatusCode, status.Detail, request, started);
            throw new RpcException(status);
        }
    }

    private void Log(string method, LogLevel okLevel, StatusCode code, string detail, object? request, long started)
    {
        // Only methods the plugin serves become label values (a caller cannot invent series).
        _metrics.RpcCompleted(_policies.ContainsKey(method) ? method[(method.LastIndexOf('/') + 1)..] : "unknown", code.ToWireName(), Stopwatch.GetElapsedTime(started));
        var level = code switch
        {
            StatusCode.OK => okLevel,
            StatusCode.Internal or StatusCode.Unknown or StatusCode.DataLoss => LogLevel.Error,
            _ => LogLevel.Warning,
        };
        if (!_logger.IsEnabled(level))
        {
            return;
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var shown = request is IMessage message ? LogFormatter.Format(SecretStripper.Strip(message)) : "(none)";
        if (code == StatusCode.OK)
        {
            GrpcLog.CallCompleted(_logger, level, method, "OK", elapsed, shown);
        }
        else
        {
            GrpcLog.CallFailed(_logger, level, method, code.ToWireName(), elapsed, detail, shown);
        }
    }

    private sealed record Policy(LogLevel Level, Func<CancellationToken, Task>? Gate)
    {
        public static Policy Default { get; } = new(LogLevel.Information, null);
    }
}
