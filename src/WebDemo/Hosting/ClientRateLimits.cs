using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using WebDemo.Api;

namespace WebDemo.Hosting;

/// <summary>How often one client (one address) may start a task (section "RateLimits").</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Task calls one address may start per window, on every surface together (pages, hub, API).</summary>
    public int PermitsPerWindow { get; set; } = 60;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Per-client rate limits, one budget per address shared by the pages, the SignalR hub and the
/// HTTP API, so a visitor cannot run around it by switching surface. A sliding window, so a
/// burst at a window's edge does not double the rate. Refused calls get when to try again.
/// </summary>
internal sealed class ClientRateLimits : IDisposable
{
    private readonly RateLimitOptions _settings;
    private readonly PartitionedRateLimiter<string> _limiter;

    public ClientRateLimits(IOptions<RateLimitOptions> options)
    {
        _settings = options.Value;
        // One sliding window per address; idle partitions are dropped by the partitioned limiter.
        _limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetSlidingWindowLimiter(client, _ =>
            new SlidingWindowRateLimiterOptions
            {
                PermitLimit = _settings.PermitsPerWindow,
                Window = _settings.Window,
                SegmentsPerWindow = 6,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Null when the call may start; otherwise how long until it may, for Retry-After and the page.</summary>
    public TimeSpan? TryStart(IPAddress? client)
    {
        using var lease = _limiter.AttemptAcquire(client?.ToString() ?? "unknown");
        if (lease.IsAcquired)
            return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : _settings.Window / 6;
    }

    /// <summary>The words for a refused call.</summary>
    public string Refusal(TimeSpan retryAfter) =>
        $"Too many requests from your address: at most {_settings.PermitsPerWindow} per " +
        (_settings.Window == TimeSpan.FromMinutes(1) ? "minute" : $"{_settings.Window.TotalSeconds:0} s") +
        $". Try again in {Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds)):0} s.";

    /// <summary>Counts the request against its caller's budget: null while within it, else 429 problem+json with Retry-After.</summary>
    public IResult? ProblemFor(HttpContext http) =>
        TryStart(http.Connection.RemoteIpAddress) is { } wait
            ? InferenceProblems.Problem(StatusCodes.Status429TooManyRequests, Refusal(wait), wait)
            : null;

    public void Dispose() => _limiter.Dispose();
}

internal static class ClientRateLimitEndpoints
{
    /// <summary>Counts each call of this endpoint against its caller's budget; over it, 429 problem+json with Retry-After.</summary>
    public static RouteHandlerBuilder RequireClientRateLimit(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<ClientRateLimits>().ProblemFor(context.HttpContext) ?? await next(context));
}
