using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Stratum.Metrics;

namespace Stratum.Kube.Extender;

/// <summary>
/// The scheduler extender's HTTP side: <c>POST .../filter</c> and <c>POST .../prioritize</c> in
/// the kube-scheduler extender JSON. A pod without Stratum claims to provision passes untouched;
/// while the caches are not current every node passes (the scheduler's own volume-binding checks
/// still apply) rather than the extender guessing.
/// </summary>
public sealed class SchedulerExtender
{
    private readonly CapacityPlanner _planner;
    private readonly IClusterCapacity _cluster;
    private readonly ScoringPolicy _policy;
    private readonly IStratumMetrics _metrics;
    private readonly ILogger _logger;

    public SchedulerExtender(IClusterCapacity cluster, ScoringPolicy policy, IStratumMetrics metrics, ILogger logger)
    {
        _cluster = cluster;
        _planner = new CapacityPlanner(cluster);
        _policy = policy;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>The filter verb: nodes that can hold all the pod's Stratum claims, and why the others cannot.</summary>
    public ExtenderFilterResult Filter(ExtenderArgs args, out string result)
    {
        var names = CandidateNames(args);
        var claims = args.Pod is null ? [] : _planner.PendingClaims(args.Pod);
        var passed = new List<string>();
        var answer = new ExtenderFilterResult();
        if (claims.Count == 0 || !_cluster.IsCurrent)
        {
            passed.AddRange(names);
            result = claims.Count == 0 ? "ok" : "passthrough";
            if (claims.Count > 0)
            {
                ExtenderLog.NotCurrent(_logger, PodName(args));
            }
        }
        else
        {
            foreach (var node in names)
            {
                if (_planner.WhyNot(node, claims) is { } why)
                {
                    answer.FailedAndUnresolvableNodes[node] = why;
                }
                else
                {
                    passed.Add(node);
                }
            }

            result = "ok";
            ExtenderLog.Filtered(_logger, PodName(args), claims.Count, passed.Count, answer.FailedAndUnresolvableNodes.Count);
        }

        if (args.NodeNames is not null)
        {
            answer.NodeNames = passed;
        }
        else
        {
            var keep = passed.ToHashSet(StringComparer.Ordinal);
            answer.Nodes = new NodeListJson { Items = [.. (args.Nodes?.Items ?? []).Where(n => keep.Contains(NodeName(n)))] };
        }

        return answer;
    }

    /// <summary>The prioritize verb: 0-10 per node by binpack or spread; 0 for all when the pod has no Stratum claims.</summary>
    public List<HostPriority> Prioritize(ExtenderArgs args, out string result)
    {
        var names = CandidateNames(args);
        var claims = args.Pod is null ? [] : _planner.PendingClaims(args.Pod);
        if (claims.Count == 0 || !_cluster.IsCurrent)
        {
            result = claims.Count == 0 ? "ok" : "passthrough";
            return [.. names.Select(n => new HostPriority { Host = n, Score = 0 })];
        }

        result = "ok";
        return [.. _planner.Score(names, claims, _policy)];
    }

    /// <summary>Serves the extender on <paramref name="endpoint"/> until the returned app is stopped.</summary>
    public async Task<WebApplication> StartAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(endpoint));
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        ExtenderLog.Serving(_logger, app.Urls.FirstOrDefault() ?? endpoint.ToString(), _policy.ToString().ToLowerInvariant());
        return app;
    }

    /// <summary>One HTTP request: routes by the last path segment, so any urlPrefix works.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (HttpMethods.IsGet(context.Request.Method) && path.EndsWith("/healthz", StringComparison.Ordinal))
        {
            context.Response.StatusCode = _cluster.IsCurrent ? 200 : 503;
            await context.Response.WriteAsync(_cluster.IsCurrent ? "ok\n" : "caches not current\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var verb = path.EndsWith("/filter", StringComparison.Ordinal) ? "filter"
            : path.EndsWith("/prioritize", StringComparison.Ordinal) ? "prioritize"
            : null;
        if (verb is null || !HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = 404;
            return;
        }

        var started = Stopwatch.GetTimestamp();
        ExtenderArgs? args;
        try
        {
            args = await JsonSerializer.DeserializeAsync(context.Request.Body, ExtenderJson.Default.ExtenderArgs, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            _metrics.ExtenderRequest(verb, "bad_request", Stopwatch.GetElapsedTime(started));
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync($"invalid ExtenderArgs: {ex.Message}\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        args ??= new ExtenderArgs();
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        string result;
        if (verb == "filter")
        {
            var answer = Filter(args, out result);
            await JsonSerializer.SerializeAsync(context.Response.Body, answer, ExtenderJson.Default.ExtenderFilterResult, context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            var answer = Prioritize(args, out result);
            await JsonSerializer.SerializeAsync(context.Response.Body, answer, ExtenderJson.Default.ListHostPriority, context.RequestAborted).ConfigureAwait(false);
        }

        _metrics.ExtenderRequest(verb, result, Stopwatch.GetElapsedTime(started));
    }

    private static List<string> CandidateNames(ExtenderArgs args) =>
        args.NodeNames ?? [.. (args.Nodes?.Items ?? []).Select(NodeName)];

    private static string NodeName(JsonObject node) => node["metadata"]?["name"]?.GetValue<string>() ?? "";

    private static string PodName(ExtenderArgs args) => $"{args.Pod?.Metadata?.Namespace}/{args.Pod?.Metadata?.Name}";
}
