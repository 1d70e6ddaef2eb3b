namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>Hugging Face Inference Providers (section "Cloud"). Defaults are in the README.</summary>
public sealed class CloudOptions
{
    public const string Section = "Cloud";

    /// <summary>The router that fronts every provider (a mirror, a test server or an Inference Endpoint can stand in).</summary>
    public string RouterUrl { get; set; } = "https://router.huggingface.co";

    /// <summary>The Hub API, for the models' provider mappings; HF_ENDPOINT by default.</summary>
    public string HubUrl { get; set; } = "https://huggingface.co";

    /// <summary>How long a model's provider mapping is reused before it is asked for again.</summary>
    public TimeSpan MappingCacheDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Budgets for tasks answered in one response (classification, summarization, ...).</summary>
    public SingleResponseTimeouts SingleResponse { get; set; } = new();

    /// <summary>
    /// Providers a request may name besides the ones the Hugging Face router serves (a router
    /// stand-in's own, or one newer than this app); any provider a model's mapping lists counts too.
    /// </summary>
    public List<string> ExtraProviders { get; set; } = [];

    public RetryOptions Retry { get; set; } = new();

    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();
}

public sealed class SingleResponseTimeouts
{
    /// <summary>One HTTP attempt; a slower one is abandoned and retried.</summary>
    public TimeSpan Attempt { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The whole call at one provider, retries and waits included; then the next provider.</summary>
    public TimeSpan Total { get; set; } = TimeSpan.FromSeconds(60);
}

public sealed class RetryOptions
{
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first backoff; it doubles each time, with jitter.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait a Retry-After or ratelimit header may ask for; longer ones fail (and fail over) at once.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The longest wait for a model that is loading (503 with estimated_time).</summary>
    public TimeSpan MaxModelLoadingWait { get; set; } = TimeSpan.FromSeconds(40);
}

public sealed class CircuitBreakerOptions
{
    /// <summary>Open when at least this share of calls failed within the sampling window...</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>...and at least this many calls were made in it.</summary>
    public int MinimumThroughput { get; set; } = 4;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit skips the provider before one trial call.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
