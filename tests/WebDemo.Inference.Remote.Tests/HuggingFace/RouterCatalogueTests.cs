using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Catalogue;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Remote.Tasks.TextClassification;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Remote.Tests.HuggingFace;

/// <summary>The router's catalogue (<c>GET /v1/models</c>): what is read from it, how long it is kept, and what is said when it cannot be read.</summary>
public sealed class RouterCatalogueTests : IAsyncDisposable
{
    private const string Model = "org/chat-model";

    private readonly ManualClock _clock = new();
    private readonly List<ServiceProvider> _services = [];
    private FakeRouter? _router;

    private async Task<FakeRouter> RouterAsync()
    {
        _router ??= await FakeRouter.StartAsync();
        return _router;
    }

    /// <summary>The catalogue as the cloud registration makes it, against the fake router (or <paramref name="routerUrl"/>).</summary>
    private async Task<IModelCatalogue> CatalogueAsync(string? token = null, string? routerUrl = null, IDictionary<string, string?>? settings = null)
    {
        var services = new TestSettings()
            .Router(routerUrl ?? (await RouterAsync()).Url)
            .Token(token)
            .Set(settings ?? new Dictionary<string, string?>())
            .Services((s, configuration) =>
            {
                s.AddSingleton<TimeProvider>(_clock);
                s.AddCloudTextClassification(configuration);
            });
        _services.Add(services);
        return services.GetRequiredService<IModelCatalogue>();
    }

    private static object Offer(string provider, double input = 0.5, double output = 1.5) => new
    {
        provider,
        status = "live",
        context_length = 32768,
        pricing = new { input, output },
        supports_tools = true,
        first_token_latency_ms = 420,
        throughput = 55.5,
    };

    private int Reads => _router!.CountFor(FakeRouter.ModelsFaults);

    [Fact]
    public async Task Each_provider_gets_its_status_context_prices_and_the_routers_probe_figures()
    {
        var router = await RouterAsync();
        router.Catalogue[Model] =
        [
            new
            {
                provider = "together", status = "live", context_length = 131072, pricing = new { input = 0.88, output = 1.2 },
                supports_tools = true, supports_structured_output = false, first_token_latency_ms = 612.5, throughput = 41.25,
                is_model_author = false,
            },
            new { provider = "featherless-ai", status = "error" },
        ];
        var catalogue = await CatalogueAsync();

        var snapshot = await catalogue.ReadAsync(CancellationToken.None);

        Assert.Null(snapshot.UnavailableReason);
        Assert.Equal(_clock.GetUtcNow(), snapshot.ReadAt);
        Assert.Equal(new ProviderOffer("together", "live", 131072, 0.88m, 1.2m, 41.25, 0.6125), snapshot.Offer(Model, "together"));
        Assert.Equal(new ProviderOffer("featherless-ai", "error", null, null, null, null, null), snapshot.Offer(Model, "featherless-ai"));
        Assert.Same(snapshot, catalogue.Cached);
    }

    [Fact]
    public void Odd_entries_are_skipped_and_unknown_fields_ignored_without_losing_the_rest()
    {
        var body = """
            {"object": "list", "extra": {"nested": [1, 2]}, "data": [
              "not a model",
              {"providers": [{"provider": "no-id"}]},
              {"id": "org/a", "architecture": {"input_modalities": ["text"]}, "providers": [
                {"provider": "good", "status": "live", "pricing": {"input": 1, "output": 2, "cache": 0.1}, "new_field": [true]},
                {"provider": "bad-context", "context_length": "long"},
                {"status": "live"},
                42,
                {"provider": "bad-pricing", "pricing": "free"},
                {"provider": "partial-pricing", "pricing": {"output": 3}}
              ]},
              {"id": "org/b"},
              {"id": "org/c", "providers": "none"}
            ]}
            """;

        var models = RouterCatalogue.Parse(Encoding.UTF8.GetBytes(body));

        Assert.Equal(["org/a", "org/b"], models.Keys.Order());
        Assert.Equal(["good", "partial-pricing"], models["org/a"].Select(o => o.Provider));
        Assert.Equal(new ProviderOffer("good", "live", null, 1m, 2m, null, null), models["org/a"][0]);
        Assert.Equal(new ProviderOffer("partial-pricing", null, null, null, 3m, null, null), models["org/a"][1]);
        Assert.Empty(models["org/b"]);
    }

    [Theory]
    [InlineData("""{"object": "list"}""")]
    [InlineData("""{"data": {"id": "org/a"}}""")]
    [InlineData("""[{"id": "org/a"}]""")]
    [InlineData("""{"data": [""")]
    public void A_body_without_its_list_of_models_is_malformed(string body)
    {
        Assert.ThrowsAny<JsonException>(() => RouterCatalogue.Parse(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public async Task Concurrent_readers_share_one_request_and_one_that_gives_up_does_not_cancel_it_for_the_others()
    {
        var router = await RouterAsync();
        router.Catalogue[Model] = [Offer("together")];
        router.Enqueue(FakeRouter.ModelsFaults, new Fault.SlowFirstByte(TimeSpan.FromMilliseconds(500)));
        var catalogue = await CatalogueAsync();
        using var impatient = new CancellationTokenSource();

        var givingUp = catalogue.ReadAsync(impatient.Token);
        var readers = Enumerable.Range(0, 8).Select(_ => catalogue.ReadAsync(CancellationToken.None)).ToList();
        await impatient.CancelAsync();
        var snapshots = await Task.WhenAll(readers);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => givingUp);
        Assert.Equal(1, Reads);
        Assert.All(snapshots, s => Assert.NotNull(s.Offer(Model, "together")));
    }

    [Fact]
    public async Task The_catalogue_is_kept_for_its_cache_period_then_read_again()
    {
        var router = await RouterAsync();
        router.Catalogue[Model] = [Offer("together", input: 0.5)];
        var catalogue = await CatalogueAsync(settings: new Dictionary<string, string?> { ["Cloud:CatalogueCacheDuration"] = "00:05:00" });

        await catalogue.ReadAsync(CancellationToken.None);
        router.Catalogue[Model] = [Offer("together", input: 0.75)];
        _clock.Advance(TimeSpan.FromMinutes(4));
        var cached = await catalogue.ReadAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1.5));
        var fresh = await catalogue.ReadAsync(CancellationToken.None);

        Assert.Equal(0.5m, cached.Offer(Model, "together")!.InputUsdPerMillionTokens);
        Assert.Equal(0.75m, fresh.Offer(Model, "together")!.InputUsdPerMillionTokens);
        Assert.Equal(2, Reads);
    }

    [Fact]
    public async Task A_failed_read_keeps_the_last_good_catalogue_marked_stale_and_waits_before_asking_again()
    {
        var router = await RouterAsync();
        router.Catalogue[Model] = [Offer("together")];
        var catalogue = await CatalogueAsync();
        var good = await catalogue.ReadAsync(CancellationToken.None);

        _clock.Advance(TimeSpan.FromMinutes(11));
        router.Break(FakeRouter.ModelsFaults, new Fault.Status(503));
        var stale = await catalogue.ReadAsync(CancellationToken.None);
        _clock.Advance(RouterCatalogue.RetryAfterFailure - TimeSpan.FromSeconds(1));
        var stillStale = await catalogue.ReadAsync(CancellationToken.None);

        Assert.True(stale.IsStale);
        Assert.Equal("The router could not give its catalogue (HTTP 503).", stale.UnavailableReason);
        Assert.Equal(good.ReadAt, stale.ReadAt);
        Assert.NotNull(stale.Offer(Model, "together"));
        Assert.Same(stale, stillStale);
        Assert.Equal(2, Reads); // the good read and the failed one: none within the backoff

        router.Heal(FakeRouter.ModelsFaults);
        _clock.Advance(TimeSpan.FromSeconds(2));
        var recovered = await catalogue.ReadAsync(CancellationToken.None);

        Assert.Equal(3, Reads);
        Assert.False(recovered.IsStale);
        Assert.Null(recovered.UnavailableReason);
        Assert.Equal(_clock.GetUtcNow(), recovered.ReadAt);
    }

    [Fact]
    public async Task Without_a_token_no_authorization_is_sent_and_with_one_it_goes_as_bearer()
    {
        var router = await RouterAsync();
        await (await CatalogueAsync(token: null)).ReadAsync(CancellationToken.None);
        await (await CatalogueAsync(token: "hf_catalogue_token")).ReadAsync(CancellationToken.None);

        var authorizations = router.ModelsRequests.Select(r => r.Authorization).ToList();
        Assert.Equal(["", "Bearer hf_catalogue_token"], authorizations);
    }

    [Theory]
    [InlineData(null, 401, "The router wants a token for its catalogue: set HF_TOKEN.")]
    [InlineData(null, 403, "The router wants a token for its catalogue: set HF_TOKEN.")]
    [InlineData("hf_rejected", 401, "The router refused the token for its catalogue (HTTP 401): check HF_TOKEN.")]
    public async Task A_refusal_says_what_to_do_about_the_token(string? token, int status, string reason)
    {
        (await RouterAsync()).Enqueue(FakeRouter.ModelsFaults, new Fault.Status(status));
        var catalogue = await CatalogueAsync(token);

        var snapshot = await catalogue.ReadAsync(CancellationToken.None);

        Assert.Equal(reason, snapshot.UnavailableReason);
        Assert.Null(snapshot.ReadAt);
        Assert.Empty(snapshot.Models);
        Assert.Same(snapshot, catalogue.Cached);
    }

    [Fact]
    public async Task A_router_slower_than_the_timeout_is_said_to_be_so_in_time()
    {
        (await RouterAsync()).Enqueue(FakeRouter.ModelsFaults, new Fault.SlowFirstByte(TimeSpan.FromSeconds(20)));
        var catalogue = await CatalogueAsync(settings: new Dictionary<string, string?> { ["Cloud:CatalogueTimeout"] = "00:00:00.500" });
        var clock = Stopwatch.StartNew();

        var snapshot = await catalogue.ReadAsync(CancellationToken.None);

        Assert.Equal("The router did not give its catalogue within 0.5 s.", snapshot.UnavailableReason);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_router_that_cannot_be_reached_or_answers_malformed_json_is_said_to_be_so()
    {
        var unreachable = await (await CatalogueAsync(routerUrl: "http://127.0.0.1:9")).ReadAsync(CancellationToken.None);
        (await RouterAsync()).Enqueue(FakeRouter.ModelsFaults, new Fault.MalformedJson());
        var malformed = await (await CatalogueAsync()).ReadAsync(CancellationToken.None);

        Assert.StartsWith("The router could not be reached for its catalogue (", unreachable.UnavailableReason, StringComparison.Ordinal);
        Assert.Equal("The router's catalogue was not the JSON expected (a \"data\" list of models).", malformed.UnavailableReason);
    }

    [Fact]
    public async Task The_router_catalogue_replaces_the_none_a_task_registers_whichever_comes_first()
    {
        var configuration = new TestSettings().Router("http://127.0.0.1:9").Configuration();
        var taskFirst = new ServiceCollection().AddLogging();
        taskFirst.AddTextClassificationTask(configuration);
        taskFirst.AddHuggingFaceRouter(configuration);
        await using var services = taskFirst.BuildServiceProvider();

        Assert.IsType<RouterCatalogue>(services.GetRequiredService<IModelCatalogue>());
        Assert.IsType<RouterCatalogue>((await CatalogueAsync(routerUrl: "http://127.0.0.1:9")));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var services in _services)
            await services.DisposeAsync();
        if (_router is not null)
            await _router.DisposeAsync();
    }
}
