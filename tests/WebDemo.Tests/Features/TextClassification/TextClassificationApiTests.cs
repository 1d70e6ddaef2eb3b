using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.TextClassification;

[Collection(ServerCollection.Name)]
public class TextClassificationApiTests(WebDemoServer server)
{
    private const string Route = "/models/" + TestPaths.SentimentRepoId;

    private sealed record LabelScore(string Label, double Score);

    private async Task<HttpResponseMessage> PostRaw(string body, string route = Route, string? accept = null)
    {
        using var client = server.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (accept is not null)
            request.Headers.Accept.ParseAdd(accept);
        return await client.SendAsync(request);
    }

    private static async Task<(string Title, string Detail, string Error)> ReadProblem(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (doc.RootElement.GetProperty("title").GetString()!, doc.RootElement.GetProperty("detail").GetString()!,
            doc.RootElement.GetProperty("error").GetString()!);
    }

    [Fact]
    public async Task One_string_gets_one_list_of_labels_as_the_hf_inference_server_answers()
    {
        var response = await PostRaw(JsonSerializer.Serialize(new { inputs = SentimentModel.Current.PositiveText }));

        response.EnsureSuccessStatusCode();
        var lists = await response.Content.ReadFromJsonAsync<List<List<LabelScore>>>();
        var labels = Assert.Single(lists!);
        Assert.Equal("POSITIVE", labels[0].Label);
        Assert.Equal(2, labels.Count);
        Assert.True(labels[0].Score >= labels[1].Score);
        Assert.Equal(1.0, labels.Sum(l => l.Score), 6);
        Assert.Equal("local", response.Headers.GetValues("x-inference-provider").Single());
    }

    [Fact]
    public async Task An_array_gets_one_list_per_input_in_order_and_top_k_limits_them()
    {
        var model = SentimentModel.Current;
        var response = await PostRaw(JsonSerializer.Serialize(new { inputs = new[] { model.PositiveText, model.NegativeText }, parameters = new { top_k = 1 } }));

        var lists = await response.Content.ReadFromJsonAsync<List<List<LabelScore>>>();
        Assert.Equal(["POSITIVE", "NEGATIVE"], lists!.Select(l => Assert.Single(l).Label));
    }

    [Fact]
    public async Task The_router_style_path_names_the_provider()
    {
        var response = await PostRaw("""{"inputs": "fine"}""", "/local/models/" + TestPaths.SentimentRepoId);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("local", response.Headers.GetValues("x-inference-provider").Single());
    }

    [Theory]
    [InlineData("""{"inputs": """, 400, "not valid JSON")]
    [InlineData("""not json at all""", 400, "not valid JSON")]
    [InlineData("""["inputs"]""", 422, "must be a JSON object")]
    [InlineData("""{"text": "hello"}""", 422, "has no \"inputs\"")]
    [InlineData("""{"inputs": 42}""", 422, "must be a string or an array of strings")]
    [InlineData("""{"inputs": ["ok", 7]}""", 422, "must be a string or an array of strings")]
    [InlineData("""{"inputs": "ok", "parameters": {"top_k": "three"}}""", 422, "top_k")]
    [InlineData("""{"inputs": "ok", "parameters": {"top_k": 0}}""", 422, "top_k")]
    [InlineData("""{"inputs": "ok", "parameters": [1]}""", 422, "\"parameters\" must be an object")]
    [InlineData("""{"inputs": ""}""", 422, "at least one text")]
    [InlineData("""{"inputs": ["a","b","c","d","e","f","g","h","i"]}""", 422, "Too many texts: 9. At most 8")]
    public async Task Bad_requests_get_problem_json_with_a_readable_message(string body, int status, string message)
    {
        var response = await PostRaw(body);

        Assert.Equal(status, (int)response.StatusCode);
        var problem = await ReadProblem(response);
        Assert.Contains(message, problem.Detail);
        Assert.Equal(problem.Detail, problem.Error);
    }

    [Fact]
    public async Task A_body_nested_past_the_parsers_depth_limit_is_told_so()
    {
        var response = await PostRaw("""{"inputs": """ + new string('[', 70) + new string(']', 70) + "}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("The request body nests arrays or objects more than 64 deep (line 1, byte ", (await ReadProblem(response)).Detail);
    }

    [Fact]
    public async Task A_huge_text_is_refused_not_processed()
    {
        var body = JsonSerializer.Serialize(new { inputs = new string('a', 25_000) });

        var response = await PostRaw(body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("25,000 characters", (await ReadProblem(response)).Detail);
    }

    [Fact]
    public async Task A_text_over_the_token_limit_is_truncated_not_refused()
    {
        var body = JsonSerializer.Serialize(new { inputs = string.Join(' ', Enumerable.Repeat("great", 1500)) });

        var response = await PostRaw(body, accept: "text/event-stream");

        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"truncated\":true", text);
        Assert.Contains("\"tokenCount\":512", text);
    }

    [Fact]
    public async Task An_unknown_model_is_404_naming_the_available_ones()
    {
        var response = await PostRaw("""{"inputs": "hi"}""", "/models/someone/unknown-model");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(TestPaths.SentimentRepoId, (await ReadProblem(response)).Detail);
    }

    [Fact]
    public async Task Server_sent_events_stream_each_result_then_the_provenance()
    {
        var response = await PostRaw("""{"inputs": ["good", "bad", "fine"]}""", accept: "text/event-stream");

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = (await response.Content.ReadAsStringAsync())
            .Split('\n').Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l["event: ".Length..]).ToList();
        Assert.Equal(3, events.Count(e => e == "partial"));
        Assert.Equal("final", events[^1]);
    }

    [Fact]
    public async Task The_model_list_says_what_is_served()
    {
        using var client = server.CreateClient();

        var json = await client.GetStringAsync("/api/models");

        Assert.Contains(TestPaths.SentimentRepoId, json);
        Assert.Contains("text-classification", json);
    }
}
