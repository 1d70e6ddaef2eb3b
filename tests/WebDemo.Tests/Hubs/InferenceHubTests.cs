using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using System.Text;
using System.Text.Json;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.Generation;
using WebDemo.Inference.Tasks.Summarization;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Hubs;

[Collection(ServerCollection.Name)]
public class InferenceHubTests(WebDemoServer server)
{
    [Fact]
    public async Task Streams_each_line_then_the_final_provenance()
    {
        await using var connection = await server.ConnectHubAsync();
        var model = SentimentModel.Current;
        var request = new TextClassificationRequest([model.PositiveText, model.NegativeText], TestPaths.SentimentRepoId);

        var updates = new List<InferenceUpdate<ClassifiedText>>();
        await foreach (var update in connection.StreamAsync<InferenceUpdate<ClassifiedText>>("TextClassification", request))
            updates.Add(update);

        var results = updates.Where(u => u.Kind == UpdateKind.Partial).Select(u => u.Partial!).ToList();
        Assert.Equal(["POSITIVE", "NEGATIVE"], results.OrderBy(r => r.Index).Select(r => r.Labels[0].Label));
        Assert.All(results, r => Assert.Equal(model.Labels.Order(), r.Labels.Select(l => l.Label).Order()));
        var final = updates[^1];
        Assert.Equal(UpdateKind.Final, final.Kind);
        Assert.Equal("local", final.Provenance!.Provider);
        Assert.Equal(TestPaths.SentimentRepoId, final.Provenance.Model);
        Assert.Equal("CPU", final.Provenance.Device);
    }

    [Fact]
    public async Task Summarization_streams_the_pieces_the_api_streams_then_the_provenance_with_token_counts()
    {
        const string text = "The quick brown fox jumps over the lazy dog.";
        var greedy = new GenerationParameters { MaxNewTokens = 20, NumBeams = 1, NoRepeatNgramSize = 0, MinLength = 0 };
        await using var connection = await server.ConnectHubAsync();

        var updates = new List<InferenceUpdate<GeneratedText>>();
        await foreach (var update in connection.StreamAsync<InferenceUpdate<GeneratedText>>("Summarization",
            new SummarizationRequest(text, greedy, TestPaths.T5RepoId, "local")))
            updates.Add(update);

        // The same request through the HTTP API, streamed as server-sent events.
        using var client = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/local/models/{TestPaths.T5RepoId}/pipeline/summarization")
        {
            Content = new StringContent(
                $$$"""{"inputs": "{{{text}}}", "parameters": {"max_new_tokens": 20, "num_beams": 1, "no_repeat_ngram_size": 0, "min_length": 0}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("text/event-stream");
        var events = (await (await client.SendAsync(request)).Content.ReadAsStringAsync()).Split('\n')
            .Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement).ToList();
        var apiPieces = events.Where(e => e.GetProperty("kind").GetString() == "Partial")
            .Select(e => e.GetProperty("partial").GetProperty("text").GetString()!).ToList();

        var hubPieces = updates.Where(u => u.Kind == UpdateKind.Partial).Select(u => u.Partial!.Text).ToList();
        Assert.True(hubPieces.Count > 3, $"expected the text in several pieces, got {hubPieces.Count}");
        Assert.Equal(apiPieces, hubPieces);
        Assert.Equal(TinyT5Reference.GreedyText("summarize_short"), string.Concat(hubPieces));

        var final = updates[^1];
        Assert.Equal(UpdateKind.Final, final.Kind);
        Assert.Single(updates, u => u.Kind == UpdateKind.Final);
        Assert.All(updates.SkipWhile(u => u.Kind != UpdateKind.Partial).SkipLast(1), u => Assert.Equal(UpdateKind.Partial, u.Kind));
        var provenance = final.Provenance!;
        Assert.Equal(("local", TestPaths.T5RepoId), (provenance.Provider, provenance.Model));
        Assert.Equal(20, provenance.TokensOut);
        Assert.Equal(updates.First(u => u.Kind == UpdateKind.Partial).Partial!.InputTokens, provenance.TokensIn);
        Assert.Equal(TinyT5Reference.InputTokenCount("summarize_short"), provenance.TokensIn); // "summarize: " + the text + </s>
        var apiFinal = events[^1].GetProperty("provenance");
        Assert.Equal((provenance.TokensIn, provenance.TokensOut), (apiFinal.GetProperty("tokensIn").GetInt32(), apiFinal.GetProperty("tokensOut").GetInt32()));
    }

    [Fact]
    public async Task Bad_input_arrives_as_a_readable_hub_error()
    {
        await using var connection = await server.ConnectHubAsync();

        var error = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in connection.StreamAsync<InferenceUpdate<ClassifiedText>>("TextClassification", new TextClassificationRequest([])))
            {
            }
        });

        Assert.Contains("Enter at least one text", error.Message);
    }

    [Fact]
    public async Task An_unknown_model_arrives_as_a_readable_hub_error()
    {
        await using var connection = await server.ConnectHubAsync();

        var error = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in connection.StreamAsync<InferenceUpdate<ClassifiedText>>("TextClassification", new TextClassificationRequest(["hi"], "no/such")))
            {
            }
        });

        Assert.Contains("not served here", error.Message);
    }

    [Theory]
    [InlineData("TextClassification")]
    [InlineData("Summarization")]
    [InlineData("Translation")]
    [InlineData("TextToImage")]
    [InlineData("Chat")]
    public async Task A_null_request_arrives_as_a_readable_hub_error(string method)
    {
        await using var connection = await server.ConnectHubAsync();

        var error = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in connection.StreamAsyncCore<JsonElement>(method, [null]))
            {
            }
        });

        Assert.Contains(method == "Chat" ? "Send the messages" : "needs a request object", error.Message, StringComparison.Ordinal);
    }
}
