using System.Collections.Concurrent;
using System.Net;
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
/// HTTP API, so a visitor cannot run around it by switching surface. A sliding log: each address's
/// calls of the last window are kept, so a burst at a window's edge does not double the rate, and a
/// refused call is told exactly when its oldest counted call leaves the window (a sliding window of
/// segments, as System.Threading.RateLimiting has it, only knows a segment's length, and told a
/// burst to come back in 10 s when it had a minute to wait).
/// </summary>
internal sealed class ClientRateLimits(IOptions<RateLimitOptions> options, TimeProvider? time = null)
{
    private readonly RateLimitOptions _settings = options.Value;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Queue<long>> _calls = new(StringComparer.Ordinal);
    private long _nextSweep;

    /// <summary>Null when the call may start (it is counted); otherwise how long until it may, for Retry-After and the page.</summary>
    public TimeSpan? TryStart(IPAddress? client)
    {
        var now = _time.GetTimestamp();
        SweepIdle(now);
        var calls = _calls.GetOrAdd(client?.ToString() ?? "unknown", _ => new Queue<long>());
        lock (calls)
        {
            while (calls.Count > 0 && _time.GetElapsedTime(calls.Peek(), now) >= _settings.Window)
                calls.Dequeue();
            if (calls.Count < _settings.PermitsPerWindow)
            {
                calls.Enqueue(now);
                return null;
            }
            return _settings.Window - _time.GetElapsedTime(calls.Peek(), now);
        }
    }

    /// <summary>Once a window, forgets the addresses with no call in the last one, so that memory follows the recent callers only.</summary>
    private void SweepIdle(long now)
    {
        var next = Interlocked.Read(ref _nextSweep);
        if (now < next || Interlocked.CompareExchange(ref _nextSweep, now + (long)(_settings.Window.TotalSeconds * _time.TimestampFrequency), next) != next)
            return;
        foreach (var (address, calls) in _calls)
        {
            lock (calls)
            {
                if (calls.Count == 0 || _time.GetElapsedTime(calls.Last(), now) >= _settings.Window)
                    _calls.TryRemove(new KeyValuePair<string, Queue<long>>(address, calls));
            }
        }
    }

    /// <summary>How many addresses are remembered now.</summary>
    internal int AddressesRemembered => _calls.Count;

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
}

internal static class ClientRateLimitEndpoints
{
    /// <summary>Counts each call of this endpoint against its caller's budget; over it, 429 problem+json with Retry-After.</summary>
    public static RouteHandlerBuilder RequireClientRateLimit(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<ClientRateLimits>().ProblemFor(context.HttpContext) ?? await next(context));
}
