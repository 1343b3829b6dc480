using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Stratum.Metrics;

/// <summary>
/// The HTTP endpoint Prometheus scrapes: <c>GET /metrics</c> on its own address (plain HTTP/1.1,
/// separate from the CSI socket), in the text exposition format. Off unless an address is given.
/// </summary>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    public const string Path = "/metrics";
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly WebApplication _app;

    private MetricsEndpoint(WebApplication app) => _app = app;

    /// <summary>The address actually bound (with the real port when 0 was asked).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Starts serving <paramref name="metrics"/> on <paramref name="endpoint"/>.</summary>
    public static async Task<MetricsEndpoint> StartAsync(IPEndPoint endpoint, PrometheusStratumMetrics metrics, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(metrics);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(endpoint));
        var app = builder.Build();
        app.Run(async context =>
        {
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return;
            }

            if (context.Request.Path != Path)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsync($"Stratum serves its metrics at {Path}\n", context.RequestAborted).ConfigureAwait(false);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = ContentType;
            await metrics.ExportAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var endpointObject = new MetricsEndpoint(app);
        var bound = new Uri(app.Urls.First());
        endpointObject.Address = new UriBuilder(bound) { Path = Path }.Uri;
        if (loggerFactory is not null)
        {
            MetricsLog.Serving(loggerFactory.CreateLogger<MetricsEndpoint>(), endpointObject.Address.ToString());
        }

        return endpointObject;
    }

    /// <summary>
    /// Parses <c>PORT</c>, <c>:PORT</c>, <c>IP:PORT</c> or <c>[IPv6]:PORT</c> (a bare port or
    /// <c>:PORT</c> listens on every address).
    /// </summary>
    public static bool TryParseAddress(string? text, out IPEndPoint? endpoint, out string? error)
    {
        endpoint = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the metrics address is empty";
            return false;
        }

        text = text.Trim();
        if (int.TryParse(text.TrimStart(':'), NumberStyles.None, CultureInfo.InvariantCulture, out var bare))
        {
            return Port(bare, IPAddress.Any, out endpoint, out error);
        }

        if (IPEndPoint.TryParse(text, out var parsed) && text.Contains(':', StringComparison.Ordinal) && parsed.Port != 0)
        {
            endpoint = parsed;
            return true;
        }

        error = $"'{text}' is not PORT, :PORT, IP:PORT or [IPv6]:PORT";
        return false;
    }

    private static bool Port(int port, IPAddress address, out IPEndPoint? endpoint, out string? error)
    {
        endpoint = null;
        error = null;
        if (port is < 1 or > 65535)
        {
            error = $"port {port} is out of range 1-65535";
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
