using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.Chat;

/// <summary>The app's OpenAI-compatible chat endpoint, with the fake router as its cloud.</summary>
[Collection(ServerCollection.Name)]
public class ChatCompletionsApiTests(WebDemoServer server)
{
    private async Task<HttpResponseMessage> Post(object body)
    {
        using var client = server.CreateClient();
        return await client.PostAsJsonAsync("/v1/chat/completions", body);
    }

    [Fact]
    public async Task A_completion_in_openai_shape_with_provider_and_usage()
    {
        var response = await Post(new { model = WebDemoServer.ChatModel + ":prov-b", messages = new[] { new { role = "user", content = "hi" } } });

        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.Equal("Hello from prov-b!", root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(7, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal("prov-b", response.Headers.GetValues("x-inference-provider").Single());
    }

    [Fact]
    public async Task A_stream_of_chunks_ending_with_done()
    {
        using var client = server.CreateClient();
        var response = await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = WebDemoServer.ChatModel, stream = true, messages = new[] { new { role = "user", content = "hi" } } });

        var lines = (await response.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]).ToList();
        Assert.Equal("[DONE]", lines[^1]);
        var text = new StringBuilder();
        foreach (var line in lines.SkipLast(1))
        {
            using var chunk = JsonDocument.Parse(line);
            if (chunk.RootElement.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var content))
                text.Append(content.GetString());
        }
        Assert.Equal("Hello from prov-a!", text.ToString());
        Assert.Contains("\"finish_reason\":\"stop\"", lines[^2]);
    }

    [Fact]
    public async Task A_non_streaming_answer_that_breaks_part_way_fails_over_and_returns_one_whole_answer()
    {
        // Nothing of a collected answer has been shown to anyone, so a break part-way may fail over
        // like one before the first token; the broken text is dropped, not joined to the next.
        server.Router.Enqueue("auto", new Fault.ResetAfter(2));

        var response = await Post(new { model = WebDemoServer.ChatModel, messages = new[] { new { role = "user", content = "hi" } } });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("Hello from prov-a!", doc.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("prov-a", doc.RootElement.GetProperty("provider").GetString());
        Assert.Contains("auto failed", doc.RootElement.GetProperty("failover").GetString());
        Assert.Contains("auto failed", response.Headers.GetValues("x-webdemo-failover").Single());
    }

    [Fact]
    public async Task A_streamed_answer_that_breaks_part_way_ends_with_an_error_and_keeps_what_was_sent()
    {
        server.Router.Enqueue("auto", new Fault.ResetAfter(2));

        var response = await Post(new { model = WebDemoServer.ChatModel, stream = true, messages = new[] { new { role = "user", content = "hi" } } });

        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"content\":\"Hello\"", body);   // what the reader has already seen stays
        Assert.Contains("broke off after 2 chunks", body); // and the stream says it broke
        Assert.DoesNotContain("prov-a!", body);          // nothing restarts elsewhere mid-answer
    }

    [Fact]
    public async Task A_named_provider_stays_explicit_unless_failover_is_asked_for_and_then_the_answer_says_so()
    {
        var before = server.Router.Requests.Count;
        server.Router.Enqueue("prov-b", new Fault.Status(402));
        var body = new { model = WebDemoServer.ChatModel + ":prov-b", messages = new[] { new { role = "user", content = "hi" } } };

        var strict = await Post(body);

        Assert.Equal(402, (int)strict.StatusCode);
        Assert.Equal(["prov-b"], server.Router.Requests.Skip(before).Select(r => r.Provider));

        server.Router.Enqueue("prov-b", new Fault.Status(402));
        using var client = server.CreateClient();
        var opted = await client.PostAsJsonAsync("/v1/chat/completions?failover=true", body);

        var text = await opted.Content.ReadAsStringAsync();
        Assert.True(opted.IsSuccessStatusCode, $"{(int)opted.StatusCode}: {text}");
        using var doc = JsonDocument.Parse(text);
        Assert.Equal("prov-a", doc.RootElement.GetProperty("provider").GetString());
        Assert.Equal("Answered by prov-a after prov-b failed (HTTP 402).", doc.RootElement.GetProperty("failover").GetString());
        Assert.Equal("Answered by prov-a after prov-b failed (HTTP 402).", opted.Headers.GetValues("x-webdemo-failover").Single());

        var wrong = await client.PostAsJsonAsync("/v1/chat/completions?failover=maybe", body);
        Assert.Equal(400, (int)wrong.StatusCode);
        Assert.Contains("must be true or false", await wrong.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Auto_names_the_provider_that_served_in_an_ascii_header_and_the_whole_story_in_the_body()
    {
        // WebDemoServer is the app on real Kestrel, which refuses a non-ASCII header value ("auto → prov-a") with a 500.
        var response = await Post(new { model = WebDemoServer.ChatModel, messages = new[] { new { role = "user", content = "hi" } } });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("prov-a", response.Headers.GetValues("x-inference-provider").Single());
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("auto → prov-a", doc.RootElement.GetProperty("provider").GetString());
        Assert.Equal("Hello from prov-a!", doc.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task Auto_streamed_keeps_its_headers_ascii_and_names_the_provider_that_served_in_the_last_chunk()
    {
        var response = await Post(new { model = WebDemoServer.ChatModel, stream = true, messages = new[] { new { role = "user", content = "hi" } } });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.All(response.Headers.Concat(response.Content.Headers).SelectMany(h => h.Value),
            value => Assert.True(value.All(char.IsAscii), $"non-ASCII header value '{value}'"));
        var lines = body.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]).ToList();
        Assert.Equal("[DONE]", lines[^1]);
        using var last = JsonDocument.Parse(lines[^2]);
        Assert.Equal("auto → prov-a", last.RootElement.GetProperty("provider").GetString());
    }

    [Fact]
    public async Task The_providers_finish_reason_passes_through_in_a_completion()
    {
        server.Router.Enqueue("prov-b", new Fault.FinishWith("length"));

        var response = await Post(new { model = WebDemoServer.ChatModel + ":prov-b", messages = new[] { new { role = "user", content = "hi" } } });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("length", doc.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task The_providers_finish_reason_passes_through_in_a_stream()
    {
        server.Router.Enqueue("prov-b", new Fault.FinishWith("content_filter"));

        var response = await Post(new { model = WebDemoServer.ChatModel + ":prov-b", stream = true, messages = new[] { new { role = "user", content = "hi" } } });

        var lines = (await response.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]).ToList();
        Assert.Equal("[DONE]", lines[^1]);
        var reasons = lines.SkipLast(1).Select(l =>
        {
            using var chunk = JsonDocument.Parse(l);
            return chunk.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString();
        }).Where(r => r is not null).ToList();
        Assert.Equal(["content_filter"], reasons);
    }

    [Theory]
    [InlineData(":fastest")]
    [InlineData(":cheapest")]
    public async Task The_callers_policy_suffix_reaches_the_router(string suffix)
    {
        var before = server.Router.Requests.Count;

        var response = await Post(new { model = WebDemoServer.ChatModel + suffix, messages = new[] { new { role = "user", content = "hi" } } });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.Equal(WebDemoServer.ChatModel + suffix, Assert.Single(server.Router.Requests.Skip(before)).Model);
    }

    [Theory]
    [InlineData("max_tokens")]
    [InlineData("max_completion_tokens")]
    public async Task The_callers_output_limit_reaches_the_router_as_max_tokens(string field)
    {
        var before = server.Router.Requests.Count;

        var response = await Post(new Dictionary<string, object>
        {
            ["model"] = WebDemoServer.ChatModel + ":prov-b",
            ["messages"] = new[] { new { role = "user", content = "hi" } },
            [field] = 5,
        });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var sent = JsonDocument.Parse(Assert.Single(server.Router.Requests.Skip(before)).Body);
        Assert.Equal(5, sent.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.False(sent.RootElement.TryGetProperty("max_completion_tokens", out _));
    }

    [Fact]
    public async Task Seed_penalties_and_response_format_pass_through_to_the_router()
    {
        var before = server.Router.Requests.Count;

        var response = await Post(new
        {
            model = WebDemoServer.ChatModel + ":prov-b",
            messages = new[] { new { role = "user", content = "hi" } },
            seed = 42,
            presence_penalty = 0.5,
            frequency_penalty = 0.25,
            response_format = new { type = "json_object" },
        });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var sent = JsonDocument.Parse(Assert.Single(server.Router.Requests.Skip(before)).Body);
        var root = sent.RootElement;
        Assert.Equal(42, root.GetProperty("seed").GetInt64());
        Assert.Equal(0.5, root.GetProperty("presence_penalty").GetDouble(), 3);
        Assert.Equal(0.25, root.GetProperty("frequency_penalty").GetDouble(), 3);
        Assert.Equal("json_object", root.GetProperty("response_format").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("\"n\": 2", "\"n\"")]
    [InlineData("\"logprobs\": true", "\"logprobs\"")]
    [InlineData("\"user\": \"u1\"", "\"user\"")]
    [InlineData("\"response_format\": {\"type\": \"yaml\"}", "\"response_format\"")]
    public async Task Fields_this_server_cannot_honour_are_refused_by_name(string field, string named)
    {
        var before = server.Router.Requests.Count;
        using var client = server.CreateClient();
        var body = $$"""{"model": "{{WebDemoServer.ChatModel}}:prov-b", "messages": [{"role": "user", "content": "hi"}], {{field}}}""";

        var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(400, (int)response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", doc.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains(named, doc.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(before, server.Router.Requests.Count);
    }

    [Theory]
    [InlineData("""{"messages": "hi"}""", 400, "\"messages\" must be an array")]
    [InlineData("""{"messages": [{"role": "wizard", "content": "hi"}]}""", 400, "Unknown role 'wizard'")]
    [InlineData("""{"messages": []}""", 422, "at least one message")]
    [InlineData("""{"model": "someone/other-model", "messages": [{"role": "user", "content": "hi"}]}""", 404, "not served here")]
    [InlineData("""{"messages": [""", 400, "not valid JSON")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}""", 422, "\"max_tokens\" must be at least 1")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": -3}""", 422, "\"max_tokens\" must be at least 1")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "temperature": -1}""", 422, "\"temperature\" must be between 0 and 2")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "temperature": 2.5}""", 422, "\"temperature\" must be between 0 and 2")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "top_p": 2}""", 422, "\"top_p\" must be between 0 and 1")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "top_p": -1}""", 422, "\"top_p\" must be between 0 and 1")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "presence_penalty": 3}""", 422, "\"presence_penalty\" must be between -2 and 2")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "frequency_penalty": -2.5}""", 422, "\"frequency_penalty\" must be between -2 and 2")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "stop": ["a", "b", "c", "d", "e"]}""", 422, "At most 4 stop sequences")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "stop": [""]}""", 422, "Each stop sequence must be 1 to 1,000 characters")]
    public async Task Bad_requests_get_openai_style_errors(string body, int status, string message)
    {
        using var client = server.CreateClient();

        var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(status, (int)response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(message, doc.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_official_openai_js_client_streams_and_reads_errors()
    {
        using var doc = await NodeClient.RunAsync("openai-client.mjs", "openai", server.BaseUrl + "/v1", WebDemoServer.ChatModel);
        var root = doc.RootElement;
        Assert.Equal("Hello from prov-a!", root.GetProperty("streamed").GetString());
        Assert.Equal("Hello from prov-b!", root.GetProperty("completion").GetString());
        Assert.Equal(404, root.GetProperty("errorStatus").GetInt32());
        Assert.Contains("not served here", root.GetProperty("errorMessage").GetString());
    }
}
