using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WebDemo.Inference.Errors;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Remote.Tests.Tasks.Chat;

/// <summary>
/// The operator's OpenAI-compatible servers as chat backends: fake servers on loopback (<see cref="FakeRouter"/>'s
/// /v1/chat/completions and /v1/models, which is what Ollama or vLLM serve), called through the OpenAI SDK
/// under the router's resilience. Budgets (CloudHarness): 10 s to the first chunk unless a test says less.
/// </summary>
public sealed class OpenAICompatibleChatTests : IAsyncLifetime
{
    private const string Model = "qwen-local";
    private const string KeyA = "sk-server-a-secret-0123";
    private const string KeyB = "sk-server-b-secret-4567";

    private FakeRouter _a = null!;
    private FakeRouter _b = null!;

    public async Task InitializeAsync()
    {
        _a = await FakeRouter.StartAsync();
        _b = await FakeRouter.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    /// <summary>Servers "srv-a" and "srv-b" (in that order), both serving <see cref="Model"/> unless <paramref name="listModels"/> leaves the lists to /v1/models.</summary>
    private Task<CloudHarness> StartAsync(bool listModels = true, IDictionary<string, string?>? more = null, Action<IServiceCollection>? configure = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["OpenAICompatible:Servers:0:Name"] = "srv-a",
            ["OpenAICompatible:Servers:0:BaseUrl"] = _a.Url + "/v1",
            ["OpenAICompatible:Servers:0:ApiKey"] = KeyA,
            ["OpenAICompatible:Servers:1:Name"] = "srv-b",
            ["OpenAICompatible:Servers:1:BaseUrl"] = _b.Url + "/v1",
            ["OpenAICompatible:Servers:1:ApiKey"] = KeyB,
        };
        if (listModels)
        {
            settings["OpenAICompatible:Servers:0:Models:0"] = Model;
            settings["OpenAICompatible:Servers:1:Models:0"] = Model;
        }
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
            settings[key] = value;
        return CloudHarness.StartAsync(settings: settings, configure: configure);
    }

    private static int ChatCalls(FakeRouter server) => server.Requests.Count;

    [Fact]
    public async Task A_named_server_streams_its_answer_sent_with_its_own_key_and_the_plain_model_id()
    {
        await using var cloud = await StartAsync();

        var outcome = await cloud.ChatAsync("srv-a", model: Model);

        Assert.Null(outcome.Error);
        Assert.Equal("Hello from auto!", outcome.Text); // the fake names itself "auto" for a plain model id
        Assert.True(outcome.Updates.Count(u => u.Kind == Streaming.UpdateKind.Partial) >= 4);
        var request = Assert.Single(_a.Requests);
        Assert.Equal(Model, request.Model);
        Assert.Equal("Bearer " + KeyA, request.Authorization);
        Assert.Contains("\"stream\":true", request.Body);
        Assert.Equal("srv-a", outcome.Provenance!.Provider); // the server's x-inference-provider is not read as the router's
        Assert.Equal(7, outcome.Provenance.TokensIn);
        Assert.Empty(_b.Requests);
        Assert.Empty(cloud.Router.Requests); // nothing of it goes to the Hugging Face router
    }

    [Fact]
    public async Task Auto_for_a_server_model_retries_a_failing_server_then_fails_over_to_the_next_that_lists_it()
    {
        await using var cloud = await StartAsync();
        _a.Break("auto", new Fault.Status(500));

        var outcome = await cloud.ChatAsync("auto", model: Model);

        Assert.Null(outcome.Error);
        Assert.Equal(3, ChatCalls(_a)); // one try and Cloud:Retry:MaxRetries=2 retries
        Assert.Equal(1, ChatCalls(_b));
        Assert.Equal("srv-b", outcome.Provenance!.Provider);
        Assert.Contains("srv-a", outcome.Provenance.Attempts[0].Provider);
        Assert.Empty(cloud.Router.Requests);
    }

    [Fact]
    public async Task A_server_refusing_its_key_is_not_retried_says_which_setting_to_check_and_the_next_server_answers()
    {
        await using var cloud = await StartAsync();
        _a.Break("auto", new Fault.Status(401));

        var alone = await cloud.ChatAsync("srv-a", model: Model);
        var auto = await cloud.ChatAsync("auto", model: Model);

        Assert.Equal(InferenceErrorKind.BackendFailed, alone.Error!.Kind);
        Assert.Contains("OpenAICompatible:Servers:0:ApiKey", alone.Error.Message);
        Assert.DoesNotContain(KeyA, alone.Error.Message);
        Assert.Null(auto.Error); // a server's key is its own: the next server still answers
        Assert.Equal("srv-b", auto.Provenance!.Provider);
        Assert.Equal(2, ChatCalls(_a)); // once per call, never retried
    }

    [Fact]
    public async Task A_404_from_a_server_is_not_retried_and_says_so()
    {
        await using var cloud = await StartAsync();
        _a.Enqueue("auto", new Fault.Status(404));

        var outcome = await cloud.ChatAsync("srv-a", model: Model);

        Assert.Equal(InferenceErrorKind.ModelNotFound, outcome.Error!.Kind);
        Assert.Contains("srv-a", outcome.Error.Message);
        Assert.Equal(1, ChatCalls(_a));
    }

    [Fact]
    public async Task A_stall_before_the_first_token_spends_the_budget_then_the_next_server_answers()
    {
        await using var cloud = await StartAsync(more: new Dictionary<string, string?> { ["Chat:Budget:FirstChunk"] = "00:00:03" });
        _a.Break("auto", new Fault.StallAfter(0, TimeSpan.FromSeconds(60)));

        var outcome = await cloud.ChatAsync("auto", model: Model);

        Assert.Null(outcome.Error);
        Assert.Equal("Hello from auto!", outcome.Text);
        Assert.Equal("srv-b", outcome.Provenance!.Provider);
        Assert.Equal("srv-a", outcome.Provenance.Attempts[0].Provider);
    }

    [Fact]
    public async Task A_break_after_the_first_token_ends_honestly_keeping_the_text_and_asks_no_other_server()
    {
        await using var cloud = await StartAsync();
        _a.Enqueue("auto", new Fault.ResetAfter(2));

        var outcome = await cloud.ChatAsync("auto", model: Model);

        Assert.NotNull(outcome.Error);
        Assert.Contains("srv-a", outcome.Error.Message);
        Assert.Equal("Hello from", outcome.Text);
        Assert.Equal(0, ChatCalls(_b));
    }

    [Fact]
    public async Task Models_are_read_from_the_servers_v1_models_once_and_cached()
    {
        _a.ServedModels.Enqueue("llama3.2");
        _b.ServedModels.Enqueue(Model);
        await using var cloud = await StartAsync(listModels: false);

        Assert.Contains("llama3.2", cloud.Chat.Models);
        Assert.Contains(Model, cloud.Chat.Models);
        Assert.Contains(CloudHarness.ChatModel, cloud.Chat.Models); // the router's, as before
        var first = await cloud.ChatAsync("auto", model: "llama3.2");
        var second = await cloud.ChatAsync("auto", model: Model);

        Assert.Null(first.Error);
        Assert.Equal("srv-a", first.Provenance!.Provider);
        Assert.Equal("srv-b", second.Provenance!.Provider); // srv-a does not list it
        var read = Assert.Single(_a.ModelsRequests);
        Assert.Equal("Bearer " + KeyA, read.Authorization);
        Assert.Single(_b.ModelsRequests);
        Assert.Equal(1, ChatCalls(_b)); // srv-b answered only the second call
    }

    [Fact]
    public async Task A_model_list_that_cannot_be_read_offers_nothing_of_that_server_and_is_retried_after_errors()
    {
        _a.Enqueue(FakeRouter.ModelsFaults, new Fault.Status(503), new Fault.Status(503), new Fault.Status(503));
        _b.ServedModels.Enqueue(Model);
        await using var cloud = await StartAsync(listModels: false);

        Assert.Contains(Model, cloud.Chat.Models);
        Assert.Equal(3, _a.ModelsRequests.Count); // retried, as the router's calls are
        Assert.Contains(cloud.Logs.Lines, line => line.Contains("model list of srv-a could not be read"));
    }

    [Fact]
    public async Task No_server_is_sent_a_model_it_does_not_list_nor_the_router_a_server_only_model()
    {
        await using var cloud = await StartAsync();

        var routerModelAtServer = await cloud.ChatAsync("srv-a"); // the default model is the router's
        var serverModelAtRouter = await cloud.ChatAsync("prov-a", model: Model);

        Assert.Equal(InferenceErrorKind.ModelNotFound, routerModelAtServer.Error!.Kind);
        Assert.Equal($"srv-a does not serve {CloudHarness.ChatModel}.", routerModelAtServer.Error.Message);
        Assert.Equal(InferenceErrorKind.ModelNotFound, serverModelAtRouter.Error!.Kind);
        Assert.Equal($"{Model} is served here only by srv-a, srv-b; it is not sent to prov-a.", serverModelAtRouter.Error.Message);
        Assert.Empty(_a.Requests);
        Assert.Empty(cloud.Router.Requests);
    }

    [Fact]
    public async Task The_servers_keys_appear_in_no_log_line()
    {
        // At Trace, where HttpClient logs request headers (redacted).
        await using var cloud = await StartAsync(configure: services => services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace)));
        _a.Enqueue("auto", new Fault.Status(500), new Fault.Status(401));

        await cloud.ChatAsync("auto", model: Model);
        await cloud.ChatAsync("srv-b", model: Model);

        Assert.Contains(_a.Requests, r => r.Authorization == "Bearer " + KeyA); // the keys were used
        Assert.Contains(_b.Requests, r => r.Authorization == "Bearer " + KeyB);
        Assert.DoesNotContain(cloud.Logs.Lines, line => line.Contains(KeyA) || line.Contains(KeyB));
    }
}
