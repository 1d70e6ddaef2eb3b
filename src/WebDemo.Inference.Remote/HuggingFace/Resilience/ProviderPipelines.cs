using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using WebDemo.Inference.Json;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Remote.HuggingFace.Resilience;

/// <summary>
/// One Polly pipeline per provider and budget: that provider's circuit breaker around a total
/// timeout around retries (exponential backoff with jitter, honouring Retry-After, the HF
/// ratelimit header and a loading model's estimated_time) around a per-attempt timeout. Only
/// what another try can fix is retried: 408, 429, 5xx, connection faults and attempt timeouts.
/// The circuit breaker is shared by every task that calls the provider. It sits outside the
/// retry, so it records one outcome per call (the call's final one), not one per attempt: a
/// call that recovers on retry is a success, and one user's retries cannot open it. A 429 is
/// never a breaker failure: it is that caller's rate limit, not the provider's health.
/// </summary>
internal sealed class ProviderPipelines(IOptions<CloudOptions> options, TimeProvider time, ILogger<ProviderPipelines> logger)
{
    /// <summary>Where a call's retry reports "waiting" so the page can say so.</summary>
    public static readonly ResiliencePropertyKey<IProgress<ProgressInfo>?> ProgressKey = new("webdemo.progress");

    /// <summary>One circuit breaker per provider, with the handle that reads its state.</summary>
    private readonly ConcurrentDictionary<string, (ResiliencePipeline<HttpResponseMessage> Pipeline, CircuitBreakerStateProvider State)> _breakers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, TimeSpan, TimeSpan), ResiliencePipeline<HttpResponseMessage>> _pipelines = new();

    public ResiliencePipeline<HttpResponseMessage> For(string provider, SingleResponseTimeouts budget) =>
        _pipelines.GetOrAdd((provider, budget.Attempt, budget.Total), _ => Build(provider, budget));

    /// <summary>Every provider called so far and its circuit: Closed (healthy), Open (skipped), HalfOpen (on trial).</summary>
    public IReadOnlyDictionary<string, string> CircuitStates =>
        _breakers.OrderBy(p => p.Key).ToDictionary(p => p.Key, p => p.Value.State.CircuitState.ToString());

    private ResiliencePipeline<HttpResponseMessage> Build(string provider, SingleResponseTimeouts budget)
    {
        var retry = options.Value.Retry;
        return new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            // Outermost, so it sees the call's final outcome (a total timeout included) once per call.
            .AddPipeline(_breakers.GetOrAdd(provider, BuildBreaker).Pipeline)
            .AddTimeout(budget.Total)
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = async args => IsTransient(args.Outcome)
                    && (args.Outcome.Result is not { } response || await ServerRequestedDelayAsync(response) is not { } wait || wait.WithinCap),
                MaxRetryAttempts = retry.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retry.BaseDelay,
                DelayGenerator = async args =>
                    args.Outcome.Result is { } response && await ServerRequestedDelayAsync(response) is { } wait ? wait.Delay : null,
                OnRetry = async args =>
                {
                    var why = args.Outcome.Result is { } r ? $"HTTP {(int)r.StatusCode}" : args.Outcome.Exception?.GetType().Name;
                    logger.LogWarning("{Provider}: attempt {Attempt} failed ({Why}); retrying in {Delay:0.0} s.",
                        provider, args.AttemptNumber + 1, why, args.RetryDelay.TotalSeconds);
                    var loading = args.Outcome.Result is { StatusCode: HttpStatusCode.ServiceUnavailable } unavailable
                        && await EstimatedLoadingTimeAsync(unavailable).ConfigureAwait(false) is not null;
                    var message = loading
                        ? $"The model is loading at {provider}; waiting {args.RetryDelay.TotalSeconds:0.#} s…"
                        : $"{provider} answered {why}; retrying in {args.RetryDelay.TotalSeconds:0.0} s…";
                    if (args.Context.Properties.TryGetValue(ProgressKey, out var progress))
                        progress?.Report(new ProgressInfo("retry", message));
                },
            })
            .AddTimeout(budget.Attempt)
            .Build();
    }

    private (ResiliencePipeline<HttpResponseMessage>, CircuitBreakerStateProvider) BuildBreaker(string provider)
    {
        var settings = options.Value.CircuitBreaker;
        var state = new CircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(IsProviderFailure(args.Outcome)),
                FailureRatio = settings.FailureRatio,
                MinimumThroughput = settings.MinimumThroughput,
                SamplingDuration = settings.SamplingDuration,
                BreakDuration = settings.BreakDuration,
                StateProvider = state,
                OnOpened = _ =>
                {
                    logger.LogWarning("{Provider}: circuit opened; it is skipped for {Seconds:0} s.", provider, settings.BreakDuration.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        return (pipeline, state);
    }

    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException or IOException } => true,
        { Result: { } response } => IsTransientStatus(response.StatusCode),
        _ => false,
    };

    /// <summary>
    /// What counts against a provider's health in its circuit breaker: what is transient, less
    /// 429 (the caller's own rate limit; the provider is answering, and quickly).
    /// </summary>
    public static bool IsProviderFailure(Outcome<HttpResponseMessage> outcome) =>
        outcome.Result is not { StatusCode: HttpStatusCode.TooManyRequests } && IsTransient(outcome);

    public static bool IsTransientStatus(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>A wait the server asked for, and whether it fits the configured cap.</summary>
    public readonly record struct RequestedWait(TimeSpan Delay, bool WithinCap);

    /// <summary>
    /// The wait the server asked for: Retry-After (seconds or a date), the HF <c>ratelimit</c>
    /// header's reset (<c>t=</c>), or a loading model's <c>estimated_time</c> (503). A wait over
    /// the cap is not retried: the error reaches the chain at once, which moves on rather than
    /// hanging. Null means the server asked for nothing: the usual exponential backoff applies.
    /// </summary>
    public async ValueTask<RequestedWait?> ServerRequestedDelayAsync(HttpResponseMessage response)
    {
        var retry = options.Value.Retry;
        if (RetryAfter(response, time.GetUtcNow()) is { } asked)
            return new RequestedWait(asked, asked <= retry.MaxRetryAfter);
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable && await EstimatedLoadingTimeAsync(response).ConfigureAwait(false) is { } loading)
            return new RequestedWait(loading, loading <= retry.MaxModelLoadingWait);
        return null;
    }

    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        if (response.Headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta)
                return delta;
            if (retryAfter.Date is { } date)
                return date > now ? date - now : TimeSpan.Zero;
        }
        // IETF draft RateLimit header as the HF router sends it: "api";r=0;t=55
        if (response.Headers.TryGetValues("ratelimit", out var values))
        {
            foreach (var part in string.Join(";", values).Split(';'))
            {
                var kv = part.Trim();
                if (kv.StartsWith("t=", StringComparison.Ordinal) && double.TryParse(kv[2..], System.Globalization.CultureInfo.InvariantCulture, out var seconds))
                    return TimeSpan.FromSeconds(seconds);
            }
        }
        return null;
    }

    public static async Task<TimeSpan?> EstimatedLoadingTimeAsync(HttpResponseMessage response)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.DoubleOrNull("estimated_time") is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
