using Microsoft.Extensions.DependencyInjection;
using WebDemo.Features.Compare;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.Compare;

/// <summary>
/// A comparison through the app's real chat task on Kestrel, against a fake router whose providers
/// have known, different latencies and failure rates: the figures rank them as built, failures keep
/// their kind, and auto records which provider answered each run.
/// </summary>
public sealed class ComparisonAgainstRouterTests : IAsyncLifetime
{
    private const string Model = "org/chat";
    private FakeRouter _router = null!;
    private KestrelApp _app = null!;

    public async Task InitializeAsync()
    {
        _router = await FakeRouter.StartAsync();
        _router.Mapping[Model] = ["prov-a", "prov-b"];
        _router.Tasks[Model] = "conversational";
        _app = KestrelApp.Start(settings => settings.Router(_router.Url).Token("hf_compare_test_token")
            .Set("Chat:DefaultModel", Model)
            .Set("Cloud:CircuitBreaker:MinimumThroughput", "1000")); // the failures are the measurement, not a reason to skip
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _router.DisposeAsync();
    }

    [Fact]
    public async Task Providers_of_known_latency_and_failure_rate_rank_as_built_and_auto_says_who_answered()
    {
        _router.Break("prov-a", new Fault.SlowFirstByte(TimeSpan.FromMilliseconds(250)));
        // prov-b is fast but refuses its 2nd and 4th measured runs (the warm-up is its 1st request); a 402 is not retried.
        _router.Enqueue("prov-b", new Fault.SlowFirstByte(TimeSpan.Zero), new Fault.SlowFirstByte(TimeSpan.Zero), new Fault.Status(402),
            new Fault.SlowFirstByte(TimeSpan.Zero), new Fault.Status(402));
        var runner = _app.Services.GetRequiredService<ComparisonRunner>();
        var settings = new CompareSettings("chat", Model, [new("auto", Model), new("prov-a", Model), new("prov-b", Model)],
            Runs: 6, Concurrency: 1, WarmupRuns: 1, Prompt: "Say hello.", MaxNewTokens: 8);
        var results = new List<RunResult>();

        await runner.RunAsync(settings, "test-client", r => { lock (results) results.Add(r); }, default);

        Assert.Equal(3 * 7, results.Count);
        var auto = TargetSummary.Of("auto", results);
        var slow = TargetSummary.Of("prov-a", results);
        var flaky = TargetSummary.Of("prov-b", results);
        Assert.Equal((6, 0), (auto.Ok, auto.Failed));
        Assert.Equal(6, auto.ServedBy.Values.Sum());
        Assert.All(auto.ServedBy.Keys, provider => Assert.Contains(provider, new[] { "prov-a", "prov-b" }));
        Assert.Equal((6, 0), (slow.Ok, slow.Failed));
        Assert.Equal((4, 2), (flaky.Ok, flaky.Failed));
        Assert.Equal(new Dictionary<string, int> { ["PaymentRequired"] = 2 }, flaky.FailuresByKind);
        Assert.Equal(2 / 6.0, flaky.FailureRate!.Value, 9);
        Assert.InRange(slow.FirstResultP50!.Value, 250, 10_000);
        Assert.True(flaky.TotalP50 + 100 < slow.TotalP50, $"prov-b p50 {flaky.TotalP50} ms should be well under prov-a's {slow.TotalP50} ms");
        Assert.All(results.Where(r => r.Ok), r => Assert.InRange(r.TokensOut!.Value, 1, 8));
        Assert.Equal(["prov-b", "prov-a"], new[] { slow, flaky }.OrderBy(s => s.TotalP50).Select(s => s.Target));
    }
}
