namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>Hugging Face Inference Providers (section "Cloud"). Defaults are in the README.</summary>
public sealed class CloudOptions
{
    public const string Section = "Cloud";

    /// <summary>The router that fronts every provider (a mirror, a test server or an Inference Endpoint can stand in).</summary>
    public string RouterUrl { get; set; } = "https://router.huggingface.co";

    /// <summary>The Hub API, for the models' provider mappings; HF_ENDPOINT by default.</summary>
    public string HubUrl { get; set; } = "https://huggingface.co";

    /// <summary>
    /// The Hub organization the router bills this app's calls to (header <c>X-HF-Bill-To</c>); unset,
    /// the token's own account pays. The token's user must be a member allowed to spend for it.
    /// </summary>
    public string? BillTo { get; set; }

    /// <summary>How long a model's provider mapping is reused before it is asked for again.</summary>
    public TimeSpan MappingCacheDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long the router's catalogue (<c>GET /v1/models</c>: prices, context lengths, probes) is reused before it is read again.</summary>
    public TimeSpan CatalogueCacheDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long one read of the router's catalogue may take; a slower one fails (and the last good copy stays).</summary>
    public TimeSpan CatalogueTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Budgets for tasks answered in one response (classification, summarization, ...).</summary>
    public SingleResponseTimeouts SingleResponse { get; set; } = new();

    /// <summary>
    /// One call's time for its cloud providers together to start answering, every retry, wait and
    /// failover included; once spent, no further provider is tried and the local model (where
    /// the task has one) answers. A started answer is held to its own budgets instead.
    /// </summary>
    public TimeSpan CallBudget { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Providers a request may name besides the ones the Hugging Face router serves (a router
    /// stand-in's own, or one newer than this app); any provider a model's mapping lists counts too.
    /// </summary>
    public List<string> ExtraProviders { get; set; } = [];

    /// <summary>
    /// Whether providers whose mapping for a model is in "staging" (a test deployment) are tried;
    /// off, only "live" ones are. A warning is logged once per model and provider either way.
    /// </summary>
    public bool AllowStagingProviders { get; set; }

    /// <summary>Budgets of text-to-image, whose answers take far longer than text's.</summary>
    public TextToImageCloudOptions TextToImage { get; set; } = new();

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

/// <summary>Text-to-image at the cloud providers (section "Cloud:TextToImage").</summary>
public sealed class TextToImageCloudOptions
{
    /// <summary>
    /// One provider's whole call: the request that draws (or submits), every poll and the image's
    /// download; once spent, the next provider is tried. It is also the attempt timeout of a request
    /// that draws while it waits (hf-inference, together, nscale, deepinfra, replicate).
    /// </summary>
    public TimeSpan Total { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// How long the cloud providers together may take to deliver the image, failovers included
    /// (an image arrives whole, so this is text's <see cref="CloudOptions.CallBudget"/> for images).
    /// </summary>
    public TimeSpan CallBudget { get; set; } = TimeSpan.FromSeconds(180);

    /// <summary>The wait between two polls of an asynchronous provider (fal-ai, wavespeed, zai-org).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Per provider, the hosts (and their subdomains) an image URL in its answer may point to; it is
    /// fetched over https only, without the token. The router's own origin is always allowed. Where a
    /// provider's CDN changes, the operator adds its host here.
    /// </summary>
    public Dictionary<string, List<string>> ImageHosts { get; set; } = new(StringComparer.Ordinal)
    {
        ["fal-ai"] = ["fal.media", "fal.run", "fal.ai"],
        ["replicate"] = ["replicate.delivery", "replicate.com"],
        ["together"] = ["together.ai", "together.xyz"],
        ["deepinfra"] = ["deepinfra.com"],
        ["nscale"] = ["nscale.com"],
        ["wavespeed"] = ["wavespeed.ai"],
        ["zai-org"] = ["z.ai", "bigmodel.cn"],
        ["hf-inference"] = ["huggingface.co", "hf.co"],
    };
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

/// <summary>
/// The per-provider circuit breaker. It counts calls (one final outcome each, after retries),
/// and a 429 never counts as a failure. The defaults stay near Polly's own (failure ratio 0.1,
/// minimum throughput 100, sampling 30 s, break 5 s), scaled to a demo's traffic: half of at
/// least 10 calls in 30 s must fail, which one user retrying cannot reach alone (retries are not
/// counted) but a provider that is really down reaches within a few calls from a few users. The
/// break is longer than Polly's 5 s because a skipped provider costs only a failover to the next.
/// </summary>
public sealed class CircuitBreakerOptions
{
    /// <summary>Open when at least this share of calls failed within the sampling window...</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>...and at least this many calls (not attempts) were made in it.</summary>
    public int MinimumThroughput { get; set; } = 10;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit skips the provider before one trial call.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
