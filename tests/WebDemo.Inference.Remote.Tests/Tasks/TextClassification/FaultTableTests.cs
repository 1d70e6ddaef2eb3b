using WebDemo.Inference.Errors;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Remote.Tests.Tasks.TextClassification;

/// <summary>
/// Each fault the router can throw at us, and what must follow: retried or not, failed over or
/// not, which provider served, what the error says, within the time budget, provenance recorded.
/// The chain is prov-a → prov-b → local; faults are put on prov-a (the one asked for).
/// </summary>
public class FaultTableTests
{
    public sealed record Case(
        string Name,
        Fault[] Faults,
        string? ServedBy,
        int RequestsToA,
        int RequestsToB,
        InferenceErrorKind? Error = null,
        string? ErrorText = null,
        string? ProgressText = null)
    {
        public override string ToString() => Name;
    }

    private static readonly Fault Http500 = new Fault.Status(500);

    public static TheoryData<Case> Cases => new(
    [
        new("500 once is retried at the same provider", [Http500], "prov-a", 2, 0),
        new("502 once is retried", [new Fault.Status(502)], "prov-a", 2, 0),
        new("503 loading waits estimated_time and says so", [new Fault.Status(503, """{"error":"Model is loading","estimated_time":0.6}""")],
            "prov-a", 2, 0, ProgressText: "model is loading at prov-a"),
        new("429 honours Retry-After seconds", [new Fault.Status(429, null, ("Retry-After", "1"))], "prov-a", 2, 0),
        new("429 honours Retry-After as an HTTP date", [new Fault.Status(429, null, ("Retry-After", DateTimeOffset.UtcNow.AddSeconds(1).ToString("R")))], "prov-a", 2, 0),
        new("429 honours the HF ratelimit header", [new Fault.Status(429, null, ("ratelimit", "\"api\";r=0;t=1"))], "prov-a", 2, 0),
        new("429 asking too long a wait fails over at once", [new Fault.Status(429, null, ("Retry-After", "120"))], "prov-b", 1, 1),
        new("408 is retried", [new Fault.Status(408)], "prov-a", 2, 0),
        new("retries exhausted fail over to the next provider", [Http500, Http500, Http500], "prov-b", 3, 1),
        new("a slow first byte times the attempt out and is retried", [new Fault.SlowFirstByte(TimeSpan.FromSeconds(20))], "prov-a", 2, 0),
        new("a reset connection is retried", [new Fault.Reset()], "prov-a", 2, 0),
        new("malformed JSON is not retried but fails over", [new Fault.MalformedJson()], "prov-b", 1, 1),
        new("a wrong-shaped answer fails over", [new Fault.WrongShape()], "prov-b", 1, 1),
        new("402 is not retried; another provider may have credit", [new Fault.Status(402)], "prov-b", 1, 1),
        new("404 (model not at that provider) fails over", [new Fault.Status(404)], "prov-b", 1, 1),
        new("400 is neither retried nor failed over", [new Fault.Status(400, """{"error":"inputs too long"}""")], null, 1, 0,
            InferenceErrorKind.InvalidInput, "inputs too long"),
        new("422 is neither retried nor failed over", [new Fault.Status(422)], null, 1, 0, InferenceErrorKind.InvalidInput),
    ]);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_fault_has_its_outcome(Case test)
    {
        await using var cloud = await CloudHarness.StartAsync();
        cloud.Router.Enqueue("prov-a", test.Faults);

        var outcome = await cloud.RunAsync("auto", "what a great film"); // the mapping's order: prov-a, prov-b, local

        Assert.Equal(test.RequestsToA, cloud.Router.CountFor("prov-a"));
        Assert.Equal(test.RequestsToB, cloud.Router.CountFor("prov-b"));
        Assert.Equal(0, cloud.Local.Calls);
        Assert.InRange(outcome.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(30)); // within the 30 s total budget per provider
        if (test.ServedBy is { } servedBy)
        {
            Assert.Null(outcome.Error);
            var provenance = outcome.Provenance!;
            Assert.Equal(servedBy, provenance.Provider);
            Assert.Equal(CloudHarness.CloudModel, provenance.Model);
            Assert.Equal("POSITIVE", Assert.Single(outcome.Results).Labels[0].Label);
            Assert.Equal(servedBy == "prov-b" ? ["prov-a", "prov-b"] : ["prov-a"], provenance.Attempts.Select(a => a.Provider));
            Assert.Equal("ok", provenance.Attempts[^1].Outcome);
            if (servedBy == "prov-b")
                Assert.Equal("failed", provenance.Attempts[0].Outcome);
        }
        else
        {
            Assert.NotNull(outcome.Error);
            Assert.Equal(test.Error, outcome.Error!.Kind);
            if (test.ErrorText is not null)
                Assert.Contains(test.ErrorText, outcome.Error.Message);
        }
        if (test.ProgressText is not null)
            Assert.Contains(outcome.Progress, p => p.Contains(test.ProgressText, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(401)]
    public async Task A_named_provider_stays_explicit_its_failure_is_the_answer(int status)
    {
        await using var cloud = await CloudHarness.StartAsync();
        cloud.Router.Break("prov-a", new Fault.Status(status));

        var outcome = await cloud.RunAsync("prov-a", "what a great film");

        Assert.NotNull(outcome.Error);
        Assert.Equal(0, cloud.Router.CountFor("prov-b")); // the user's choice is not silently replaced
        Assert.Equal(0, cloud.Local.Calls);
        Assert.DoesNotContain(outcome.Progress, p => p.Contains("trying the")); // neither "the next provider" nor "the local model"
    }

    [Fact]
    public async Task The_cloud_budget_ends_the_cloud_links_and_the_local_model_answers()
    {
        await using var cloud = await CloudHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Cloud:CallBudget"] = "00:00:01",
        });
        cloud.Router.Enqueue("prov-a", new Fault.SlowFirstByte(TimeSpan.FromSeconds(4))); // within its own 5 s attempt budget

        var outcome = await cloud.RunAsync("auto", "what a great film");

        Assert.Null(outcome.Error);
        Assert.Equal("local", outcome.Provenance!.Provider);
        Assert.Equal(0, cloud.Router.CountFor("prov-b")); // the budget is spent: no further cloud provider
        Assert.Contains("cloud budget of 1 s", outcome.Provenance.Attempts[0].Error);
        Assert.InRange(outcome.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3.5));
    }

    [Theory]
    [InlineData("auto", 401, "token was rejected")]
    [InlineData("auto", 403, "Make calls to Inference Providers")]
    [InlineData("prov-a", 401, "token was rejected")]
    [InlineData("prov-a", 403, "Make calls to Inference Providers")]
    public async Task A_token_error_skips_the_other_cloud_providers_but_the_local_model_still_answers(string provider, int status, string tokenText)
    {
        await using var cloud = await CloudHarness.StartAsync();
        cloud.Router.Enqueue("prov-a", new Fault.Status(status));

        var outcome = await cloud.RunAsync(provider, failover: true, "what a great film"); // a named provider fails over only when asked

        Assert.Null(outcome.Error);
        Assert.Equal(1, cloud.Router.CountFor("prov-a")); // not retried
        Assert.Equal(0, cloud.Router.CountFor("prov-b")); // the same token would fail there too
        Assert.Equal(1, cloud.Local.Calls);                // the local model needs no token
        Assert.Equal("POSITIVE", Assert.Single(outcome.Results).Labels[0].Label);
        var provenance = outcome.Provenance!;
        Assert.Equal("local", provenance.Provider);
        Assert.Equal(["prov-a", "local"], provenance.Attempts.Select(a => a.Provider));
        Assert.Equal(["failed", "ok"], provenance.Attempts.Select(a => a.Outcome));
        Assert.Equal([status, null], provenance.Attempts.Select(a => a.Status));
        Assert.Contains(tokenText, provenance.Attempts[0].Error);
        Assert.Contains(outcome.Progress, p => p.Contains("trying the local model"));
    }

    [Fact]
    public async Task When_every_provider_fails_the_local_model_answers()
    {
        await using var cloud = await CloudHarness.StartAsync();
        cloud.Router.Break("prov-a", new Fault.Status(503));
        cloud.Router.Break("prov-b", new Fault.Status(500));

        var outcome = await cloud.RunAsync("auto", "fine");

        Assert.Null(outcome.Error);
        Assert.Equal("local", outcome.Provenance!.Provider);
        Assert.Equal("CPU", outcome.Provenance.Device);
        Assert.Equal(["prov-a", "prov-b", "local"], outcome.Provenance.Attempts.Select(a => a.Provider));
        Assert.Equal([503, 500, null], outcome.Provenance.Attempts.Select(a => a.Status));
        Assert.Contains(outcome.Progress, p => p.Contains("trying the next provider"));
    }

    [Fact]
    public async Task Auto_follows_the_mapping_order()
    {
        await using var cloud = await CloudHarness.StartAsync();
        cloud.Router.Mapping[CloudHarness.CloudModel] = ["prov-b", "prov-a"];

        var outcome = await cloud.RunAsync("auto", "good");

        Assert.Equal("prov-b", outcome.Provenance!.Provider);
        Assert.Equal(0, cloud.Router.CountFor("prov-a"));
    }

    [Fact]
    public async Task A_failure_after_output_ends_honestly_and_keeps_what_arrived()
    {
        await using var cloud = await CloudHarness.StartAsync();
        // The first line is answered; the second meets resets until the retries run out.
        cloud.Router.Enqueue("prov-a", new Fault.SlowFirstByte(TimeSpan.Zero), new Fault.Reset(), new Fault.Reset(), new Fault.Reset());

        var outcome = await cloud.RunAsync("prov-a", "good one", "bad one");

        Assert.NotNull(outcome.Error);
        Assert.Equal(InferenceErrorKind.ModelUnavailable, outcome.Error!.Kind);
        Assert.Equal("good one", Assert.Single(outcome.Results).Text);
        Assert.Equal(0, cloud.Router.CountFor("prov-b")); // no failover: the first line was already shown
        Assert.Equal(0, cloud.Local.Calls);
    }

    [Fact]
    public async Task Every_request_carries_the_token_and_the_task_payload()
    {
        await using var cloud = await CloudHarness.StartAsync();

        await cloud.RunAsync("prov-a", "hello");

        var request = Assert.Single(cloud.Router.Requests);
        Assert.Equal("Bearer " + CloudHarness.Token, request.Authorization);
        Assert.Equal(CloudHarness.CloudModel, request.Model);
        Assert.Equal("""{"inputs":"hello"}""", request.Body);
    }
}
