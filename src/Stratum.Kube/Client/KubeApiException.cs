using System.Net;

namespace Stratum.Kube.Client;

/// <summary>The API server answered with an error status (its Status object's reason and message kept).</summary>
public sealed class KubeApiException(HttpStatusCode statusCode, string? reason, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>The Status object's <c>reason</c> (NotFound, Conflict, Expired, ...), when it sent one.</summary>
    public string? Reason { get; } = reason;
}

/// <summary>How Stratum reads a failed Kubernetes call: gone, conflict, or "the API is not answering".</summary>
public static class KubeErrors
{
    /// <summary>The HTTP status of an API answer, or null when no answer came (connection refused, timeout).</summary>
    public static HttpStatusCode? StatusOf(Exception ex) => ex switch
    {
        KubeApiException api => api.StatusCode,
        _ => null,
    };

    public static bool IsNotFound(Exception ex) => StatusOf(ex) == HttpStatusCode.NotFound;

    public static bool IsConflict(Exception ex) => StatusOf(ex) == HttpStatusCode.Conflict;

    public static bool IsGone(Exception ex) => StatusOf(ex) == HttpStatusCode.Gone;

    /// <summary>
    /// True when the API server could not be reached or is overloaded/failing: no answer at all,
    /// a timeout, 429, or a 5xx. Callers then do nothing rather than guess.
    /// </summary>
    public static bool IsUnavailable(Exception ex) => ex switch
    {
        HttpRequestException or TimeoutException or IOException => true,
        TaskCanceledException => true,
        _ when StatusOf(ex) is { } code => code == HttpStatusCode.TooManyRequests || (int)code >= 500,
        _ => ex.InnerException is not null && IsUnavailable(ex.InnerException),
    };

    /// <summary>One line for logs: the status and reason when the server answered, else the exception's message.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        KubeApiException api => $"{(int)api.StatusCode} {api.Reason}: {api.Message}",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };
}
