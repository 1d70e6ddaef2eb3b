using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using WebDemo.Inference.Streaming;
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
}
