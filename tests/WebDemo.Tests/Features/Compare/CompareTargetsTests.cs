using Microsoft.Extensions.DependencyInjection;
using WebDemo.Features.Compare;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.Compare;

/// <summary>The targets the Compare page offers for chat: the local model, auto and its policies, the model's providers, and the operator's server with its own model.</summary>
public sealed class CompareTargetsTests : IAsyncLifetime
{
    private const string RouterModel = "org/chat";
    private const string ServerModel = "llama3.2:1b";
    private FakeRouter _router = null!;
    private FakeRouter _server = null!;
    private KestrelApp _app = null!;

    public async Task InitializeAsync()
    {
        _router = await FakeRouter.StartAsync();
        _router.Mapping[RouterModel] = ["prov-a", "prov-b"];
        _router.Tasks[RouterModel] = "conversational";
        _server = await FakeRouter.StartAsync();
        _server.ServedModels.Enqueue(ServerModel);
        _app = KestrelApp.Start(settings => settings.Router(_router.Url).Token("hf_compare_targets_token").LocalLlama()
            .Set("Chat:DefaultModel", RouterModel)
            .Set("OpenAICompatible:Servers:0:Name", "ollama")
            .Set("OpenAICompatible:Servers:0:BaseUrl", _server.Url + "/v1"));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _router.DisposeAsync();
        await _server.DisposeAsync();
    }

    private async Task<ComparedTask> ChatAsync()
    {
        var chat = _app.Services.GetRequiredService<ComparisonRunner>().Task("chat");
        // The servers' models are read in the background after start.
        for (var i = 0; i < 200 && !chat.Service.Models.Contains(ServerModel); i++)
            await Task.Delay(50);
        return chat;
    }

    [Fact]
    public async Task Chat_offers_the_local_model_auto_with_its_policies_the_models_providers_and_the_server()
    {
        var choices = await CompareTargets.ListAsync(await ChatAsync(), null, default);

        Assert.Null(choices.Error);
        Assert.Equal(RouterModel, choices.Model);
        Assert.Equal([RouterModel, ServerModel], choices.CloudModels);
        Assert.Equal(
        [
            new("local", TestPaths.LlamaRepoId), new("auto", RouterModel), new("auto", RouterModel, ":fastest"), new("auto", RouterModel, ":cheapest"),
            new("prov-a", RouterModel), new("prov-b", RouterModel), new("ollama", ServerModel),
        ], choices.Targets);
    }

    [Fact]
    public async Task A_servers_own_model_has_no_auto_and_a_model_the_app_does_not_offer_falls_back_to_the_default()
    {
        var chat = await ChatAsync();

        var server = await CompareTargets.ListAsync(chat, ServerModel, default);
        var unknown = await CompareTargets.ListAsync(chat, "org/not-offered", default);

        Assert.Equal([new("local", TestPaths.LlamaRepoId), new("ollama", ServerModel)], server.Targets);
        Assert.Equal(RouterModel, unknown.Model);
    }
}
