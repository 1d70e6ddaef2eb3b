using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Hubs;

/// <summary>The hub's messages are sized to the task's limits (SignalR's 32 KB default dropped the connection instead).</summary>
[Collection(ServerCollection.Name)]
public class InferenceHubLimitsTests(WebDemoServer server)
{
    private static async Task<List<InferenceUpdate<ClassifiedText>>> Classify(HubConnection connection, TextClassificationRequest request)
    {
        var updates = new List<InferenceUpdate<ClassifiedText>>();
        await foreach (var update in connection.StreamAsync<InferenceUpdate<ClassifiedText>>("TextClassification", request))
            updates.Add(update);
        return updates;
    }

    [Fact]
    public async Task The_largest_request_the_task_allows_is_answered()
    {
        await using var connection = await server.ConnectHubAsync();
        // The test server allows 8 texts of 20,000 characters: 160,000 characters, five times SignalR's default.
        var text = string.Concat(Enumerable.Repeat("a gorgeous , witty , seductive movie . ", 600))[..20_000];

        var updates = await Classify(connection, new TextClassificationRequest(Enumerable.Repeat(text, 8).ToList(), TestPaths.SentimentRepoId));

        Assert.Equal(8, updates.Count(u => u.Kind == UpdateKind.Partial));
        Assert.All(updates.Where(u => u.Kind == UpdateKind.Partial), u => Assert.True(u.Partial!.Truncated));
    }

    [Fact]
    public async Task A_text_over_the_limit_gets_the_size_error_and_the_connection_stays()
    {
        await using var connection = await server.ConnectHubAsync();

        var error = await Assert.ThrowsAsync<HubException>(() =>
            Classify(connection, new TextClassificationRequest([new string('a', 25_000)], TestPaths.SentimentRepoId)));
        var after = await Classify(connection, new TextClassificationRequest(["still here"], TestPaths.SentimentRepoId));

        Assert.Contains("25,000 characters", error.Message);
        Assert.Equal(HubConnectionState.Connected, connection.State);
        Assert.Single(after, u => u.Kind == UpdateKind.Partial);
    }

    [Fact]
    public async Task Bad_input_is_logged_as_the_clients_mistake_not_as_a_server_failure()
    {
        await using var connection = await server.ConnectHubAsync();
        var marker = $"Too many texts: 9. At most 8";

        await Assert.ThrowsAsync<HubException>(() =>
            Classify(connection, new TextClassificationRequest(Enumerable.Repeat("x", 9).ToList())));

        var lines = server.Logs.Lines.Where(l => l.Contains(marker, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lines);
        Assert.Contains(lines, line => line.Contains(" Information: Hub call TextClassification refused", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains(" Error: ", StringComparison.Ordinal) || line.Contains(" Critical: ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains(" Warning: ", StringComparison.Ordinal) && line.Contains("   at ", StringComparison.Ordinal));
    }
}
