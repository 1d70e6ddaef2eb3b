using System.Net;
using System.Text.Json;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Api;

/// <summary><c>GET /api/catalogue</c> on real Kestrel, in front of a fake router's catalogue.</summary>
public sealed class CatalogueApiTests : IAsyncLifetime
{
    private FakeRouter _router = null!;
    private KestrelApp? _app;

    public async Task InitializeAsync()
    {
        _router = await FakeRouter.StartAsync();
        _router.Catalogue["org/a"] =
        [
            new { provider = "together", status = "live", context_length = 131072, pricing = new { input = 0.88, output = 1.2 }, first_token_latency_ms = 250, throughput = 80.5 },
            new { provider = "novita", status = "live" },
        ];
        _router.Catalogue["org/b"] = [new { provider = "groq", status = "live" }];
    }

    private HttpClient Start(string? token, int permits = 60)
    {
        _app = KestrelApp.Start(settings => settings.Router(_router.Url).Token(token).Set("RateLimits:PermitsPerWindow", permits.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return _app.CreateClient();
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task One_model_is_answered_with_its_providers_claims_in_camel_case()
    {
        using var http = Start(token: null);

        var answer = await JsonAsync(await http.GetAsync("/api/catalogue?model=org/a"));

        Assert.Equal(JsonValueKind.String, answer.GetProperty("readAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("unavailableReason").ValueKind);
        Assert.False(answer.GetProperty("stale").GetBoolean());
        var model = Assert.Single(answer.GetProperty("models").EnumerateArray());
        Assert.Equal("org/a", model.GetProperty("id").GetString());
        var together = model.GetProperty("providers")[0];
        Assert.Equal("together", together.GetProperty("provider").GetString());
        Assert.Equal(131072, together.GetProperty("contextLength").GetInt32());
        Assert.Equal(0.88m, together.GetProperty("inputUsdPerMillionTokens").GetDecimal());
        Assert.Equal(1.2m, together.GetProperty("outputUsdPerMillionTokens").GetDecimal());
        Assert.Equal(80.5, together.GetProperty("throughputTokensPerSecond").GetDouble());
        Assert.Equal(0.25, together.GetProperty("latencySeconds").GetDouble());
        Assert.Equal(JsonValueKind.Null, model.GetProperty("providers")[1].GetProperty("contextLength").ValueKind);
        Assert.Equal("", Assert.Single(_router.ModelsRequests).Authorization);
    }

    [Fact]
    public async Task Without_a_model_every_model_is_listed_and_the_router_is_read_once()
    {
        using var http = Start(token: "hf_catalogue_api_token");

        var all = await JsonAsync(await http.GetAsync("/api/catalogue"));
        var unknown = await JsonAsync(await http.GetAsync("/api/catalogue?model=org/none"));

        Assert.Equal(["org/a", "org/b"], all.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Empty(unknown.GetProperty("models").EnumerateArray());
        Assert.Equal("Bearer hf_catalogue_api_token", Assert.Single(_router.ModelsRequests).Authorization);
    }

    [Fact]
    public async Task A_router_that_wants_a_token_is_said_so_in_the_answer()
    {
        _router.Break(FakeRouter.ModelsFaults, new Fault.Status(401));
        using var http = Start(token: null);

        var answer = await JsonAsync(await http.GetAsync("/api/catalogue?model=org/a"));

        Assert.Equal("The router wants a token for its catalogue: set HF_TOKEN.", answer.GetProperty("unavailableReason").GetString());
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("readAt").ValueKind);
        Assert.Empty(answer.GetProperty("models").EnumerateArray());
    }

    [Fact]
    public async Task Calls_count_against_the_callers_rate_limit()
    {
        using var http = Start(token: null, permits: 2);

        await JsonAsync(await http.GetAsync("/api/catalogue"));
        await JsonAsync(await http.GetAsync("/api/catalogue"));
        var third = await http.GetAsync("/api/catalogue");

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("Too many requests from your address", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
        await _router.DisposeAsync();
    }
}
