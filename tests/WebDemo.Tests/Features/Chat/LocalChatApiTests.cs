using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.Chat;

/// <summary>
/// The local chat model (the tiny Llama, downloaded from the test hub on first use) through the
/// app's /v1 on Kestrel, with the official clients: its answers are transformers.js's text-generation
/// pipeline's (tests/models/llama-tiny-random/reference.json), streamed or whole, with usage.
/// </summary>
[Collection(ServerCollection.Name)]
public class LocalChatApiTests(WebDemoServer server)
{
    /// <summary>The pipeline's greedy answer (max_new_tokens 20) to "Be brief." / "What is the capital of France?".</summary>
    private const string Expected = "fe thfe I you city%0c market.\nlse' Maria Myal for about city";

    private const int PromptTokens = 36;

    private static readonly object[] Messages =
    [
        new { role = "system", content = "Be brief." },
        new { role = "user", content = "What is the capital of France?" },
    ];

    [Fact]
    public async Task The_official_openai_js_client_gets_the_pipelines_answer_streamed_and_whole_with_usage()
    {
        using var doc = await NodeClient.RunAsync("openai-local-chat-client.mjs", "openai", server.BaseUrl + "/v1", TestPaths.LlamaRepoId);
        var root = doc.RootElement;

        foreach (var name in new[] { "withUsage", "withoutUsage", "completion" })
        {
            Assert.Equal(Expected, root.GetProperty(name).GetProperty("text").GetString());
            Assert.Equal("length", root.GetProperty(name).GetProperty("finish").GetString());
        }
        // include_usage: one chunk at the end, with no choices, carries the usage; without it, no chunk does.
        var usage = Assert.Single(root.GetProperty("withUsage").GetProperty("usages").EnumerateArray());
        Assert.Equal((PromptTokens, 20, PromptTokens + 20, 0),
            (usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32(),
             usage.GetProperty("total_tokens").GetInt32(), usage.GetProperty("choices").GetInt32()));
        Assert.Empty(root.GetProperty("withoutUsage").GetProperty("usages").EnumerateArray());
        Assert.True(root.GetProperty("withUsage").GetProperty("chunks").GetInt32() > 4, "the answer streams in pieces");
        var whole = root.GetProperty("completion");
        Assert.Equal(PromptTokens, whole.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(TestPaths.LlamaRepoId, whole.GetProperty("model").GetString());
    }

    [Fact]
    public async Task The_openai_dotnet_sdk_streams_the_local_model_with_usage()
    {
        var client = new ChatClient(TestPaths.LlamaRepoId, new ApiKeyCredential("unused"),
            new OpenAIClientOptions { Endpoint = new Uri(server.BaseUrl + "/v1") });
        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;

        await foreach (var update in client.CompleteChatStreamingAsync(
            [new SystemChatMessage("Be brief."), new UserChatMessage("What is the capital of France?")],
            new ChatCompletionOptions { MaxOutputTokenCount = 20, Temperature = 0 }))
        {
            foreach (var part in update.ContentUpdate)
                text.Append(part.Text);
            usage = update.Usage ?? usage;
            finish = update.FinishReason ?? finish;
        }

        Assert.Equal(Expected, text.ToString());
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.Equal((PromptTokens, 20), (usage?.InputTokenCount, usage?.OutputTokenCount));
    }

    [Fact]
    public async Task The_local_answer_names_its_provider_and_a_stop_sequence_ends_it()
    {
        using var http = server.CreateClient();

        var response = await http.PostAsJsonAsync("/v1/chat/completions",
            new { model = TestPaths.LlamaRepoId, messages = Messages, max_tokens = 20, temperature = 0, stop = new[] { "city" } });

        response.EnsureSuccessStatusCode();
        Assert.Equal("local", response.Headers.GetValues("x-inference-provider").Single());
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var choice = doc.RootElement.GetProperty("choices")[0];
        Assert.Equal("fe thfe I you ", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
    }

    [Theory]
    [InlineData("""{"model": "webdemo/llama-tiny-random", "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "hi"}]}""",
        400, "only allowed when \"stream\" is true")]
    [InlineData("""{"model": "webdemo/llama-tiny-random", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}]}""",
        422, "reads text only")]
    [InlineData("""{"model": "webdemo/llama-tiny-random", "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}], "messages": [{"role": "user", "content": "hi"}]}""",
        422, "without tool calling")]
    public async Task What_the_local_model_cannot_do_is_refused_in_openais_shape(string body, int status, string message)
    {
        using var http = server.CreateClient();

        var response = await http.PostAsync("/v1/chat/completions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(status, (int)response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(message, doc.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", doc.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_conversation_too_long_for_the_context_says_what_was_left_out()
    {
        using var http = server.CreateClient();
        var messages = Enumerable.Range(0, 60).Select(i => (object)new { role = i % 2 == 0 ? "user" : "assistant", content = $"Turn {i}: the farmer sold a small house." })
            .Append(new { role = "user", content = "And now?" }).ToArray();

        var response = await http.PostAsJsonAsync("/v1/chat/completions", new { model = TestPaths.LlamaRepoId, messages, max_tokens = 5, temperature = 0 });

        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("messages were left out", doc.RootElement.GetProperty("notice").GetString(), StringComparison.Ordinal);
    }
}
