using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.TestSupport;

namespace WebDemo.Tests;

/// <summary>
/// With a token that is really used (cloud calls to the fake router) and logging at Trace,
/// searches every log line, every API and hub answer and every page for the token.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class TokenLeakTests(WebDemoServer server)
{
    private readonly StringBuilder _seen = new();

    private async Task<string> Record(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        _seen.AppendLine(response.ToString()).AppendLine(response.Headers.ToString()).AppendLine(body);
        return body;
    }

    [Fact]
    public async Task The_token_is_used_but_appears_in_no_log_answer_or_page()
    {
        using var http = server.CreateClient();
        const string cloudModel = WebDemoServer.CloudModel;

        // Pages, as the server renders them.
        foreach (var path in new[] { "/", "/sentiment", "/api/models" })
            await Record(await http.GetAsync(path));
        Assert.Contains("configured", await Record(await http.GetAsync("/status")));

        // The cloud path, served and failing, over HTTP and SSE; chat too.
        Assert.Contains("POSITIVE", await Record(await http.PostAsJsonAsync($"/auto/models/{cloudModel}", new { inputs = "a great day" })));
        await Record(await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/hf-inference/models/{cloudModel}")
        {
            Content = JsonContent.Create(new { inputs = new[] { "good", "bad" } }),
            Headers = { { "Accept", "text/event-stream" } },
        }));
        server.Router.Enqueue("hf-inference", new Fault.Status(401, """{"error":"Invalid credentials in Authorization header"}"""));
        // A rejected token ends the cloud links; the local model, which needs no token, still answers.
        Assert.Contains("POSITIVE", await Record(await http.PostAsJsonAsync($"/auto/models/{cloudModel}", new { inputs = "hi" })));
        // A provider named explicitly is not replaced: its 401 is the answer.
        server.Router.Enqueue("hf-inference", new Fault.Status(401, """{"error":"Invalid credentials in Authorization header"}"""));
        Assert.Contains("token", await Record(await http.PostAsJsonAsync($"/hf-inference/models/{cloudModel}", new { inputs = "hi" })));
        await Record(await http.PostAsJsonAsync("/v1/chat/completions",
            new { model = WebDemoServer.ChatModel, messages = new[] { new { role = "user", content = "hi" } } }));

        // The hub.
        await using (var connection = new HubConnectionBuilder().WithUrl(server.BaseUrl + "/hubs/inference").Build())
        {
            await connection.StartAsync();
            await foreach (var update in connection.StreamAsync<InferenceUpdate<ClassifiedText>>("TextClassification",
                               new TextClassificationRequest(["lovely"], Provider: "auto")))
                _seen.AppendLine(System.Text.Json.JsonSerializer.Serialize(update));
        }

        var secret = WebDemoServer.Token;
        Assert.Contains(server.Router.Requests, r => r.Authorization == "Bearer " + secret); // really used
        Assert.Contains(server.Logs.Lines, l => l.Contains("System.Net.Http.HttpClient.hf-router")); // HttpClient logging was on
        Assert.DoesNotContain(secret, _seen.ToString());
        Assert.DoesNotContain(server.Logs.Lines, line => line.Contains(secret));
        Assert.DoesNotContain(server.Logs.Lines, line => line.Contains(secret[3..])); // not even without its prefix
    }
}
