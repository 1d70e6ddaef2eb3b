using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using WebDemo.Hubs;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.Chat;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Hubs;

/// <summary>The chat over the SignalR hub: the same answers as /v1, local and cloud.</summary>
[Collection(ServerCollection.Name)]
public class ChatHubTests(WebDemoServer server)
{
    private static async Task<List<InferenceUpdate<ChatDelta>>> StreamAsync(
        HubConnection connection, ChatHubRequest request)
    {
        var updates = new List<InferenceUpdate<ChatDelta>>();
        await foreach (var update in connection.StreamAsync<InferenceUpdate<ChatDelta>>("Chat", request))
            updates.Add(update);
        return updates;
    }

    [Fact]
    public async Task The_hub_streams_the_local_models_answer_then_its_provenance()
    {
        await using var connection = await server.ConnectHubAsync();

        var updates = await StreamAsync(connection, new ChatHubRequest(
            [new("system", "Be brief."), new("user", "What is the capital of France?")], TestPaths.LlamaRepoId, "local", Temperature: 0, MaxTokens: 20));

        var pieces = updates.Where(u => u.Partial is not null).Select(u => u.Partial!.Text).ToList();
        Assert.Equal("fe thfe I you city%0c market.\nlse' Maria Myal for about city", string.Concat(pieces));
        Assert.True(pieces.Count(p => p.Length > 0) > 3);
        var final = updates[^1].Provenance!;
        Assert.Equal(("local", TestPaths.LlamaRepoId, 36, 20), (final.Provider, final.Model, final.TokensIn, final.TokensOut));
    }

    [Fact]
    public async Task The_hub_streams_a_cloud_answer_and_refuses_a_bad_role_in_words()
    {
        await using var connection = await server.ConnectHubAsync();

        var updates = await StreamAsync(connection, new ChatHubRequest([new("user", "hi")], WebDemoServer.ChatModel, "prov-b"));
        var error = await Assert.ThrowsAsync<HubException>(() =>
            StreamAsync(connection, new ChatHubRequest([new("tool", "42")], TestPaths.LlamaRepoId)));

        Assert.Equal("Hello from prov-b!", string.Concat(updates.Where(u => u.Partial is not null).Select(u => u.Partial!.Text)));
        Assert.Equal("prov-b", updates[^1].Provenance!.Provider);
        Assert.Contains("must be system, user or assistant, not 'tool'", error.Message, StringComparison.Ordinal);
    }
}
