using System.Net.Http.Json;
using System.Text.Json;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.Chat;

/// <summary>
/// The app as <c>./scripts/run.sh</c> starts it with no Hugging Face token: a local chat model named
/// on /v1 (no provider) answers from here, and a cloud model is refused in words.
/// </summary>
public sealed class LocalChatWithoutTokenTests : IAsyncLifetime
{
    private LoopbackHub _hub = null!;
    private KestrelApp _app = null!;

    public async Task InitializeAsync()
    {
        _hub = await LoopbackHub.StartAsync();
        _app = KestrelApp.Start((settings, home) => settings.Hub(_hub.Url, Path.Combine(home, "hub")).LocalLlama().Token(null));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _hub.DisposeAsync();
    }

    [Fact]
    public async Task A_local_model_answers_on_v1_and_a_cloud_one_says_a_token_is_needed()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_app.BaseUrl) };
        object[] messages = [new { role = "user", content = "What is the capital of France?" }];

        var local = await http.PostAsJsonAsync("/v1/chat/completions", new { model = TestPaths.LlamaRepoId, messages, max_tokens = 5, temperature = 0 });
        var cloud = await http.PostAsJsonAsync("/v1/chat/completions", new { model = "meta-llama/Llama-3.1-8B-Instruct", messages, max_tokens = 5 });

        Assert.Equal(200, (int)local.StatusCode);
        Assert.Equal("local", local.Headers.GetValues("x-inference-provider").Single());
        using var answer = JsonDocument.Parse(await local.Content.ReadAsStringAsync());
        Assert.InRange(answer.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), 1, 5);
        Assert.Equal(403, (int)cloud.StatusCode);
        using var refusal = JsonDocument.Parse(await cloud.Content.ReadAsStringAsync());
        Assert.Contains("need a Hugging Face token", refusal.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_model_the_answer_names_the_local_model_that_gave_it()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_app.BaseUrl) };
        object[] messages = [new { role = "user", content = "Hello" }];

        var whole = await http.PostAsJsonAsync("/v1/chat/completions", new { messages, max_tokens = 3, temperature = 0 });
        var streamed = await http.PostAsJsonAsync("/v1/chat/completions", new { model = "", messages, max_tokens = 3, temperature = 0, stream = true });

        Assert.Equal(200, (int)whole.StatusCode);
        using (var answer = JsonDocument.Parse(await whole.Content.ReadAsStringAsync()))
            Assert.Equal(TestPaths.LlamaRepoId, answer.RootElement.GetProperty("model").GetString());
        Assert.Equal(200, (int)streamed.StatusCode);
        var chunks = (await streamed.Content.ReadAsStringAsync()).Split('\n')
            .Where(line => line.StartsWith("data: {", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(chunks);
        Assert.All(chunks, chunk =>
        {
            using var json = JsonDocument.Parse(chunk["data: ".Length..]);
            Assert.Equal(TestPaths.LlamaRepoId, json.RootElement.GetProperty("model").GetString());
        });
    }
}
