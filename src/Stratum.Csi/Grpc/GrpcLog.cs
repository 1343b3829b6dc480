using Microsoft.Extensions.Logging;

namespace Stratum.Csi.Grpc;

/// <summary>Log events of the gRPC layer (event ids 4000-4099).</summary>
internal static partial class GrpcLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Serving CSI on {Endpoint}")]
    public static partial void Listening(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Shutting down: finishing in-flight calls (grace period {GraceSeconds} s)")]
    public static partial void Stopping(ILogger logger, double graceSeconds);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Stopped serving CSI")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Removed stale socket {Path} left by an earlier run")]
    public static partial void StaleSocketRemoved(ILogger logger, string path);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "TCP endpoint {Endpoint} is not loopback: CSI has no authentication, expose it only to a test VM's port forward")]
    public static partial void TcpNotLoopback(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 4010, Message = "{Method} {Code} in {DurationMs:0.###} ms; request {Request}")]
    public static partial void CallCompleted(ILogger logger, LogLevel level, string method, string code, double durationMs, string request);

    [LoggerMessage(EventId = 4011, Message = "{Method} {Code} in {DurationMs:0.###} ms: {Detail}; request {Request}")]
    public static partial void CallFailed(ILogger logger, LogLevel level, string method, string code, double durationMs, string detail, string request);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Error, Message = "{Method} failed with an unexpected exception")]
    public static partial void HandlerCrashed(ILogger logger, string method, Exception exception);
}
