using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI;
using OpenAI.Models;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.Chat;

/// <summary>
/// The app's /v1 on real Kestrel with an operator's OpenAI-compatible server (a fake on loopback) beside the
/// Hugging Face router (another fake): the model list in OpenAI's shape, chat through the server, and the
/// optional API key for /v1.
/// </summary>
public sealed class OpenAICompatibleApiTests : IAsyncLifetime
{
    private const string RouterModel = "org/chat";
    private const string ServerModel = "qwen3:0.6b"; // an Ollama tag: the id has a colon of its own
    private const string ApiKey = "sk-webdemo-app-key-89ab";
    private const string ServerKey = "sk-ollama-server-key-cdef";

    private FakeRouter _router = null!;
    private FakeRouter _server = null!;

    public async Task InitializeAsync()
    {
        _router = await FakeRouter.StartAsync();
        _router.Mapping[RouterModel] = ["prov-a"];
        _router.Tasks[RouterModel] = "conversational";
        _server = await FakeRouter.StartAsync();
        _server.ServedModels.Enqueue(ServerModel);
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _server.DisposeAsync();
    }

    private KestrelApp Start(string? apiKey) => KestrelApp.Start(settings => settings
        .Router(_router.Url)
        .Token("hf_api_tests_token")
        .LocalLlama()
        .Set("Chat:DefaultModel", RouterModel)
        .Set("OpenAICompatible:Servers:0:Name", "ollama")
        .Set("OpenAICompatible:Servers:0:BaseUrl", _server.Url + "/v1")
        .Set("OpenAICompatible:Servers:0:ApiKey", ServerKey)
        .Set("OpenAIApi:ApiKey", apiKey));

    private static HttpClient Client(KestrelApp app, string? key)
    {
        var http = app.CreateClient();
        if (key is not null)
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    private static object Chat(string model, bool stream = false) => new { model, stream, messages = new[] { new { role = "user", content = "hi" } } };

    [Fact]
    public async Task The_model_list_has_every_chat_model_in_openais_shape()
    {
        await using var app = Start(apiKey: null);
        using var http = Client(app, key: null);

        using var doc = JsonDocument.Parse(await http.GetStringAsync("/v1/models"));

        Assert.Equal("list", doc.RootElement.GetProperty("object").GetString());
        var models = doc.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([TestPaths.LlamaRepoId, RouterModel, ServerModel], models.Select(m => m.GetProperty("id").GetString()));
        Assert.All(models, m =>
        {
            Assert.Equal("model", m.GetProperty("object").GetString());
            Assert.True(m.GetProperty("created").GetInt64() > 1_700_000_000);
        });
        Assert.Equal(["local", "webdemo", "webdemo"], models.Select(m => m.GetProperty("owned_by").GetString()));
    }

    [Fact]
    public async Task A_servers_model_is_answered_by_the_server_whole_and_streamed_and_by_name()
    {
        await using var app = Start(apiKey: null);
        using var http = Client(app, key: null);

        var whole = await http.PostAsJsonAsync("/v1/chat/completions", Chat(ServerModel));
        var named = await http.PostAsJsonAsync("/v1/chat/completions", Chat(ServerModel + ":ollama"));
        var streamed = await http.PostAsJsonAsync("/v1/chat/completions", Chat(ServerModel, stream: true));

        using var completion = JsonDocument.Parse(await whole.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("ollama", completion.RootElement.GetProperty("provider").GetString());
        Assert.StartsWith("Hello from", completion.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        var stream = await streamed.Content.ReadAsStringAsync();
        Assert.Contains("\"content\":\"Hello\"", stream);
        Assert.EndsWith("data: [DONE]\n\n", stream);
        Assert.All(_server.Requests.Where(r => r.Provider != FakeRouter.ModelsFaults), r =>
        {
            Assert.Equal(ServerModel, JsonDocument.Parse(r.Body).RootElement.GetProperty("model").GetString());
            Assert.Equal("Bearer " + ServerKey, r.Authorization);
        });
        Assert.Empty(_router.Requests); // the server's model never goes to the router
    }

    [Fact]
    public async Task The_openai_dotnet_sdk_lists_the_models_with_the_key()
    {
        await using var app = Start(ApiKey);
        var options = new OpenAIClientOptions { Endpoint = new Uri(app.BaseUrl + "/v1") };

        var models = (await new OpenAIModelClient(new ApiKeyCredential(ApiKey), options).GetModelsAsync()).Value;
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => new OpenAIModelClient(new ApiKeyCredential("wrong"), options).GetModelsAsync());

        Assert.Equal([TestPaths.LlamaRepoId, RouterModel, ServerModel], models.Select(m => m.Id));
        Assert.Equal(401, refused.Status);
    }

    [Fact]
    public async Task The_official_openai_js_client_lists_the_models_and_reads_a_wrong_key_as_401()
    {
        await using var app = Start(ApiKey);

        using var doc = await NodeClient.RunAsync("openai-models-client.mjs", "openai", app.BaseUrl + "/v1", ApiKey);

        var models = doc.RootElement.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal([TestPaths.LlamaRepoId, RouterModel, ServerModel], models.Select(m => m.GetProperty("id").GetString()));
        Assert.All(models, m => Assert.Equal("model", m.GetProperty("object").GetString()));
        Assert.Equal(401, doc.RootElement.GetProperty("wrongKeyStatus").GetInt32());
        Assert.Contains("API key", doc.RootElement.GetProperty("wrongKeyMessage").GetString());
    }

    [Fact]
    public async Task With_a_key_set_v1_answers_401_in_openais_shape_without_it_and_serves_with_it()
    {
        await using var app = Start(ApiKey);
        using var none = Client(app, key: null);
        using var wrong = Client(app, key: "sk-webdemo-app-key-89aX");
        using var right = Client(app, ApiKey);

        foreach (var http in new[] { none, wrong })
        {
            var models = await http.GetAsync("/v1/models");
            var chat = await http.PostAsJsonAsync("/v1/chat/completions", Chat(ServerModel));
            foreach (var refused in new[] { models, chat })
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.Single().Scheme);
                using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
                Assert.Equal("authentication_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
                Assert.Equal(401, error.RootElement.GetProperty("error").GetProperty("code").GetInt32());
            }
        }
        Assert.DoesNotContain(_server.Requests, r => r.Provider != FakeRouter.ModelsFaults); // nothing refused reached a backend

        Assert.Equal(HttpStatusCode.OK, (await right.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await right.PostAsJsonAsync("/v1/chat/completions", Chat(ServerModel))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await none.GetAsync("/api/models")).StatusCode); // the rest of the app stays open
    }

    [Fact]
    public async Task Neither_the_apps_key_nor_the_servers_key_appears_in_a_log_line()
    {
        await using var app = Start(ApiKey);
        using var right = Client(app, ApiKey);
        using var wrong = Client(app, "sk-some-guess-0000");
        _server.Enqueue("0.6b", new Fault.Status(500), new Fault.Status(401)); // the fake reads the tag's ":0.6b" as a provider

        await right.GetAsync("/v1/models");
        await wrong.GetAsync("/v1/models");
        await right.PostAsJsonAsync("/v1/chat/completions", Chat(ServerModel));
        await right.PostAsJsonAsync("/v1/chat/completions", Chat(ServerModel, stream: true));

        Assert.Contains(_server.Requests, r => r.Authorization == "Bearer " + ServerKey); // the server's key was used
        Assert.Contains(app.Logs.Lines, line => line.Contains("Authorization")); // request headers were logged, at Trace
        Assert.DoesNotContain(app.Logs.Lines, line => line.Contains(ApiKey) || line.Contains(ServerKey));
    }
}
