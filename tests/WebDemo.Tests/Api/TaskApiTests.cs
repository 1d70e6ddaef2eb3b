using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Api;

/// <summary>What the HTTP API says to input that is not what it expects, on real Kestrel.</summary>
[Collection(ServerCollection.Name)]
public class TaskApiTests(WebDemoServer server)
{
    private const string Route = "/models/" + TestPaths.SentimentRepoId;

    private async Task<(HttpResponseMessage Response, string Body)> Post(string route, string body)
    {
        using var client = server.CreateClient();
        var response = await client.PostAsync(route, new StringContent(body, Encoding.UTF8, "application/json"));
        return (response, await response.Content.ReadAsStringAsync());
    }

    private static string Detail(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("detail").GetString()!;
    }

    [Fact]
    public async Task A_lone_surrogate_is_a_clear_422_not_a_server_error()
    {
        var (response, body) = await Post(Route, """{"inputs": ["\ud800 x"]}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("inputs", Detail(body), StringComparison.Ordinal);
        Assert.Contains("unpaired UTF-16 surrogate", Detail(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_the_servers_limit_is_a_clear_413_not_a_server_error()
    {
        var most = server.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.MaxRequestBodySize!.Value;
        var (response, body) = await Post(Route, "{\"inputs\": \"" + new string('a', (int)most) + "\"}");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("larger than this server accepts", Detail(body), StringComparison.Ordinal);
        Assert.Contains(most.ToString("N0", System.Globalization.CultureInfo.CurrentCulture), Detail(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_json_is_said_in_words_with_where_not_the_parsers_internals()
    {
        var (response, body) = await Post(Route, """{"inputs": "ok",, }""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = Detail(body);
        Assert.Contains("not valid JSON (line 1", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"inputs": "ok", "parameters": {"top_k": "three"}}""", "\"parameters.top_k\" must be a whole number.")]
    [InlineData("""{"inputs": "ok", "parameters": {"top_k": 1.5}}""", "\"parameters.top_k\" must be a whole number.")]
    [InlineData("""{"inputs": "ok", "parameters": "none"}""", "\"parameters\" must be an object.")]
    [InlineData("""{"inputs": {"text": "ok"}}""", "\"inputs\" must be a string or an array of strings.")]
    public async Task A_field_of_the_wrong_type_is_named_with_what_it_should_be(string request, string message)
    {
        var (response, body) = await Post(Route, request);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(message, Detail(body));
    }

    [Fact]
    public async Task An_unknown_provider_is_404_unknown_provider_not_a_token_problem()
    {
        var (response, body) = await Post("/bogus/models/" + TestPaths.SentimentRepoId, """{"inputs": "ok"}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Unknown provider 'bogus'", Detail(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_task_in_the_pipeline_route_is_404_naming_the_tasks()
    {
        var (response, body) = await Post(Route + "/pipeline/image-segmentation", """{"inputs": "ok"}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("text-classification", Detail(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_pipeline_route_runs_the_named_task()
    {
        var (response, body) = await Post(Route + "/pipeline/text-classification", """{"inputs": "ok"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("[[{\"label\":", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_address_is_the_not_found_page_for_a_browser_and_problem_json_for_a_client()
    {
        using var client = server.CreateClient();

        using var browser = new HttpRequestMessage(HttpMethod.Get, "/no/such/page");
        browser.Headers.Accept.ParseAdd("text/html,application/xhtml+xml");
        var page = await client.SendAsync(browser);
        using var api = new HttpRequestMessage(HttpMethod.Get, "/no/such/page");
        api.Headers.Accept.ParseAdd("application/json");
        var json = await client.SendAsync(api);

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Page not found", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, json.StatusCode);
        Assert.Equal("application/problem+json", json.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("GET", "/v1/embeddings", 404, "not_found_error", "No such endpoint: GET /v1/embeddings")]
    [InlineData("POST", "/v1/models", 405, "invalid_request_error", "POST is not allowed on /v1/models")]
    public async Task Under_v1_an_address_or_method_not_served_answers_in_openais_error_shape(string method, string path, int status, string type, string message)
    {
        using var client = server.CreateClient();

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
