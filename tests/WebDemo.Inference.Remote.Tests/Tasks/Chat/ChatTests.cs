using WebDemo.Inference.Errors;
using WebDemo.Inference.Tasks.Chat;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Remote.Tests.Tasks.Chat;

/// <summary>Chat completions through the router with the OpenAI SDK, under stream faults. Budgets (CloudHarness): 10 s to the first chunk, 5 s between chunks.</summary>
public class ChatTests
{
    [Fact]
    public async Task A_named_provider_streams_its_answer_with_usage()
    {
        await using var cloud = await CloudHarness.StartAsync();

        var outcome = await cloud.ChatAsync("prov-a");

        Assert.Null(outcome.Error);
        Assert.Equal("Hello from prov-a!", outcome.Text);
        Assert.True(outcome.Updates.Count(u => u.Kind == Streaming.UpdateKind.Partial) >= 4); // streamed, not one block
        var request = Assert.Single(cloud.Router.Requests);
        Assert.Equal($"{CloudHarness.ChatModel}:prov-a", request.Model);
        Assert.Equal("Bearer " + CloudHarness.Token, request.Authorization);
        Assert.Contains("\"stream\":true", request.Body);
        Assert.Equal("prov-a", outcome.Provenance!.Provider);
        Assert.Equal(7, outcome.Provenance.TokensIn);
        Assert.Equal(4, outcome.Provenance.TokensOut);
        Assert.NotNull(outcome.Provenance.TimeToFirstResultMs);
    }

    [Fact]
    public async Task Auto_lets_the_router_choose_with_the_plain_model_id()
    {
        await using var cloud = await CloudHarness.StartAsync();

        var outcome = await cloud.ChatAsync("auto");

        Assert.Equal(CloudHarness.ChatModel, Assert.Single(cloud.Router.Requests).Model);
        Assert.Equal("auto → prov-a", outcome.Provenance!.Provider); // x-inference-provider, read
        Assert.Equal("Hello from prov-a!", outcome.Text);
    }

    [Theory]
    [InlineData(null, ":cheapest")]
    [InlineData(":fastest", ":fastest")]
    [InlineData(":cheapest", ":cheapest")]
    public async Task Auto_sends_the_callers_policy_over_the_configured_one(string? policy, string sent)
    {
        await using var cloud = await CloudHarness.StartAsync(settings: new Dictionary<string, string?> { ["Chat:AutoPolicy"] = ":cheapest" });

        var outcome = await cloud.ChatAsync("auto", policy: policy);

        Assert.Null(outcome.Error);
        Assert.Equal(CloudHarness.ChatModel + sent, Assert.Single(cloud.Router.Requests).Model);
    }

    [Fact]
    public async Task The_output_limit_goes_upstream_as_max_tokens()
    {
        await using var cloud = await CloudHarness.StartAsync();

        var outcome = await cloud.ChatAsync("prov-a", options: new Microsoft.Extensions.AI.ChatOptions { MaxOutputTokens = 5, Temperature = 0.5f });

        Assert.Null(outcome.Error);
        using var body = System.Text.Json.JsonDocument.Parse(Assert.Single(cloud.Router.Requests).Body);
        Assert.Equal(5, body.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.False(body.RootElement.TryGetProperty("max_completion_tokens", out _), body.RootElement.GetRawText());
        Assert.Equal(0.5, body.RootElement.GetProperty("temperature").GetDouble(), 3); // the rest of the options still apply
    }

    [Fact]
    public async Task Tool_schemas_go_upstream_as_written_and_the_call_comes_back_whole()
    {
        await using var cloud = await CloudHarness.StartAsync();
        // A schema Microsoft.Extensions.AI would rewrite (it adds "additionalProperties": false) or fail on (a schema-valued additionalProperties).
        const string Schema = """{"type": "object", "properties": {"city": {"type": "string"}}, "additionalProperties": {"type": "string"}, "$defs": {"unit": {"enum": ["C", "F"]}}}""";
        using var schema = System.Text.Json.JsonDocument.Parse(Schema);
        var options = new Microsoft.Extensions.AI.ChatOptions
        {
            MaxOutputTokens = 50,
            Tools = [Microsoft.Extensions.AI.AIFunctionFactory.CreateDeclaration("get_weather", "The weather in a city", schema.RootElement)],
            ToolMode = Microsoft.Extensions.AI.ChatToolMode.RequireSpecific("get_weather"),
        };

        var outcome = await cloud.ChatAsync("prov-a", "What is the weather in Paris?", options: options);

        Assert.Null(outcome.Error);
        using var body = System.Text.Json.JsonDocument.Parse(Assert.Single(cloud.Router.Requests).Body);
        var function = Assert.Single(body.RootElement.GetProperty("tools").EnumerateArray()).GetProperty("function");
        Assert.True(System.Text.Json.JsonElement.DeepEquals(schema.RootElement, function.GetProperty("parameters")), function.GetRawText());
        Assert.Equal("get_weather", body.RootElement.GetProperty("tool_choice").GetProperty("function").GetProperty("name").GetString());
        Assert.Equal(50, body.RootElement.GetProperty("max_tokens").GetInt32());
        var call = Assert.Single(outcome.Updates.SelectMany(u => u.Partial?.ToolCalls ?? []));
        Assert.Equal(new ChatFunctionCall("call_fake1", "get_weather", """{"city":"Paris"}"""), call);
        Assert.Equal("tool_calls", outcome.Updates.Select(u => u.Partial?.FinishReason).Last(r => r is not null));
    }

    [Fact]
    public async Task A_5xx_before_the_stream_is_retried()
    {
        await using var cloud = await CloudHarness.StartAsync();
        cloud.Router.Enqueue("prov-a", new Fault.Status(502));

        var outcome = await cloud.ChatAsync("prov-a");

        Assert.Equal("Hello from prov-a!", outcome.Text);
        Assert.Equal(2, cloud.Router.CountFor("prov-a"));
    }

    [Fact]
    public async Task No_first_token_within_budget_fails_over_to_the_next_provider()
    {
        await using var cloud = await CloudHarness.StartAsync();
        cloud.Router.Enqueue("prov-a", new Fault.StallAfter(0, TimeSpan.FromSeconds(20)));

        var outcome = await cloud.ChatAsync("prov-a", failover: true);

        Assert.Null(outcome.Error);
        Assert.Equal("Hello from prov-b!", outcome.Text);
        var failed = outcome.Provenance!.Attempts[0];
        Assert.Equal("prov-a", failed.Provider);
        Assert.Contains("sent nothing within 10 s", failed.Error);
        Assert.InRange(failed.DurationMs, 9900, 20_000);
    }

    [Theory]
    [InlineData("stall", "stalled: nothing for 5 s after 2 chunks")]
    [InlineData("reset", "broke off after 2 chunks")]
    [InlineData("truncated", "ended before the answer was finished")]
    public async Task A_stream_that_dies_midway_ends_honestly_and_keeps_what_arrived(string how, string message)
    {
        await using var cloud = await CloudHarness.StartAsync();
        cloud.Router.Enqueue("prov-a", how switch
        {
            "stall" => new Fault.StallAfter(2, TimeSpan.FromSeconds(12)),
            "reset" => new Fault.ResetAfter(2),
            _ => new Fault.TruncateAfter(2),
        });

        var outcome = await cloud.ChatAsync("prov-a");

        Assert.True(outcome.Error is not null, $"no error; text '{outcome.Text}', attempts: " + string.Join(" | ", outcome.Provenance?.Attempts.Select(a => a.Error) ?? []));
        Assert.Contains(message, outcome.Error!.Message);
        Assert.Equal("Hello from", outcome.Text);            // the two chunks that arrived
        Assert.Equal(0, cloud.Router.CountFor("prov-b"));    // no failover once text was shown
    }

    [Fact]
    public async Task A_bad_token_is_not_failed_over()
    {
        await using var cloud = await CloudHarness.StartAsync();
        cloud.Router.Enqueue("prov-a", new Fault.Status(401));

        var outcome = await cloud.ChatAsync("prov-a");

        Assert.Equal(InferenceErrorKind.Unauthorized, outcome.Error!.Kind);
        Assert.Equal(0, cloud.Router.CountFor("prov-b"));
    }

    [Fact]
    public async Task Out_of_credits_at_one_provider_fails_over_and_says_why()
    {
        await using var cloud = await CloudHarness.StartAsync();
        cloud.Router.Enqueue("prov-a", new Fault.Status(402));

        var outcome = await cloud.ChatAsync("prov-a", failover: true);

        Assert.Equal("Hello from prov-b!", outcome.Text);
        Assert.Contains("Out of credits for prov-a", outcome.Provenance!.Attempts[0].Error);
        Assert.Equal("Answered by prov-b after prov-a failed (HTTP 402).", outcome.Provenance.Failover);
    }

    [Fact]
    public async Task A_named_provider_stays_explicit_and_is_never_silently_replaced()
    {
        await using var cloud = await CloudHarness.StartAsync();
        cloud.Router.Enqueue("prov-a", new Fault.Status(402));

        var outcome = await cloud.ChatAsync("prov-a");

        Assert.Contains("Out of credits for prov-a", outcome.Error!.Message);
        Assert.Equal(["prov-a"], cloud.Router.Requests.Select(r => r.Provider)); // neither the router's auto nor prov-b
    }

    [Fact]
    public async Task Auto_with_a_loading_model_tries_the_router_then_one_more_path_within_the_documented_budget()
    {
        await using var cloud = await CloudHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Cloud:CallBudget"] = "00:00:20",
        });
        var loading = new Fault.Status(503, "{\"error\": \"Model is currently loading\", \"estimated_time\": 0.2}");
        foreach (var provider in new[] { "auto", "prov-a", "prov-b" })
            cloud.Router.Break(provider, loading);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var outcome = await cloud.ChatAsync("auto");

        Assert.NotNull(outcome.Error);
        // The router's auto already fails over between providers: after it, one more path, each
        // with 1 + Cloud:Retry:MaxRetries (here 2) attempts; never a third path.
        Assert.Equal(3, cloud.Router.CountFor("auto"));
        Assert.Equal(3, cloud.Router.CountFor("prov-a"));
        Assert.Equal(0, cloud.Router.CountFor("prov-b"));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task An_empty_conversation_is_refused_before_any_call()
    {
        await using var cloud = await CloudHarness.StartAsync();

        var outcome = await cloud.ChatAsync("prov-a", message: "   ");

        Assert.Equal(InferenceErrorKind.InvalidInput, outcome.Error!.Kind);
        Assert.Empty(cloud.Router.Requests);
    }
}
