using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Features.Flagging;

namespace WebDemo.Tests.Features.Flagging;

/// <summary>The operator's endpoints on real Kestrel, with an operator token configured.</summary>
public sealed class FlagsOperatorApiTests : IAsyncLifetime
{
    private const string Token = "op_test_token_5b1e9c0d7a";
    private readonly KestrelApp _app = KestrelApp.Start(settings => settings.Set("Operator:Token", Token));

    public async Task InitializeAsync()
    {
        var store = _app.Services.GetRequiredService<FlagStore>();
        foreach (var comment in Comments)
            await store.AddAsync(FlagStoreTests.Submission(comment));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Comments as a visitor may write them: formulas, quotes, commas, line breaks, emoji and right-to-left text.</summary>
    private static readonly string[] Comments =
    [
        "=HYPERLINK(\"http://evil.example\",\"click\")",
        "+1+2",
        "-2+3",
        "@SUM(A1:A9)",
        "\tstarts with a tab",
        "\rstarts with a carriage return",
        "plain, with \"quotes\"\nand a second line",
        "👍 نص عربي",
    ];

    private HttpClient Client(string? token)
    {
        var http = _app.CreateClient();
        if (token is not null)
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    [Theory]
    [InlineData("/operator/flags")]
    [InlineData("/operator/flags.csv")]
    public async Task Without_the_token_or_with_a_wrong_one_the_answer_is_401(string path)
    {
        using var anonymous = Client(null);
        using var wrong = Client(Token + "x");
        using var basic = _app.CreateClient();
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:" + Token)));

        foreach (var http in new[] { anonymous, wrong, basic })
        {
            var response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            Assert.DoesNotContain("HYPERLINK", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_list_is_json_newest_first_in_pages()
    {
        using var http = Client(Token);

        using var first = JsonDocument.Parse(await http.GetStringAsync("/operator/flags?limit=5"));
        var next = first.RootElement.GetProperty("next").GetString()!;
        using var second = JsonDocument.Parse(await http.GetStringAsync(next));

        Assert.Equal(Comments.Length, first.RootElement.GetProperty("total").GetInt32());
        var page = first.RootElement.GetProperty("flags").EnumerateArray().Concat(second.RootElement.GetProperty("flags").EnumerateArray()).ToList();
        Assert.Equal(Comments.Reverse(), page.Select(f => f.GetProperty("comment").GetString()));
        Assert.Equal(JsonValueKind.Null, second.RootElement.GetProperty("next").ValueKind);
        var flag = page[0];
        Assert.Equal("text-classification", flag.GetProperty("task").GetString());
        Assert.Equal("org/sentiment", flag.GetProperty("model").GetString());
        Assert.Equal("what a joy", flag.GetProperty("inputs").GetProperty("inputs")[0].GetString()); // JSON, not a string of JSON
        Assert.Equal("NEGATIVE", flag.GetProperty("output")[0].GetProperty("labels")[0].GetProperty("label").GetString());
        Assert.Equal("CPU", flag.GetProperty("provenance").GetProperty("device").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/operator/flags?limit=0")).StatusCode);
    }

    [Fact]
    public async Task The_csv_is_utf8_rfc4180_with_formulas_defused()
    {
        using var http = Client(Token);

        var response = await http.GetAsync("/operator/flags.csv");
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet);
        Assert.Equal("flags.csv", response.Content.Headers.ContentDisposition!.FileName);
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]); // so spreadsheets read it as UTF-8
        var rows = Csv.Parse(Encoding.UTF8.GetString(bytes[3..]));
        Assert.Equal(["id", "created_at", "task", "model", "browser_id", "comment", "inputs", "output", "provenance"], rows[0]);
        Assert.Equal(Comments.Length + 1, rows.Count);
        Assert.Equal(
        [
            "'=HYPERLINK(\"http://evil.example\",\"click\")",
            "'+1+2",
            "'-2+3",
            "'@SUM(A1:A9)",
            "'\tstarts with a tab",
            "'\rstarts with a carriage return",
            "plain, with \"quotes\"\nand a second line",
            "👍 نص عربي",
        ], rows.Skip(1).Select(r => r[5]));
        var row = rows[1];
        Assert.Equal("text-classification", row[2]);
        Assert.Equal("AAAAAAAAAAAAAAAAAAAAAA", row[4]);
        Assert.True(DateTime.TryParse(row[1], System.Globalization.CultureInfo.InvariantCulture, out _));
        using var inputs = JsonDocument.Parse(row[6]);
        Assert.Equal("what a joy", inputs.RootElement.GetProperty("inputs")[0].GetString());
    }

    [Fact]
    public async Task The_token_appears_in_no_log_line()
    {
        using var right = Client(Token);
        using var wrong = Client(Token + "-wrong");

        await right.GetStringAsync("/operator/flags");
        await right.GetByteArrayAsync("/operator/flags.csv");
        await wrong.GetAsync("/operator/flags");

        Assert.NotEmpty(_app.Logs.Lines);
        Assert.DoesNotContain(_app.Logs.Lines, line => line.Contains(Token, StringComparison.Ordinal));
    }
}

/// <summary>With no operator token configured, the operator endpoints are off: 404, as any unknown address.</summary>
public sealed class OperatorEndpointsOffTests : IAsyncDisposable
{
    private readonly KestrelApp _app = KestrelApp.Start();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Theory]
    [InlineData("/operator/flags")]
    [InlineData("/operator/flags.csv")]
    public async Task They_answer_404_whatever_the_token(string path)
    {
        using var http = _app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "anything-at-all-0123456789");

        var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}

/// <summary>The operator endpoints count against the caller's rate limit, as the task API does.</summary>
public sealed class OperatorRateLimitTests : IAsyncDisposable
{
    private const string Token = "op_rate_limit_token_0f3a";
    private readonly KestrelApp _app = KestrelApp.Start(settings => settings.Set("Operator:Token", Token).Set("RateLimits:PermitsPerWindow", "3"));

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task Guessing_tokens_is_rate_limited_and_so_is_the_operator()
    {
        using var guesser = _app.CreateClient();
        guesser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "a-guess-that-is-long-enough");
        using var operatorClient = _app.CreateClient();
        operatorClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
            statuses.Add((await guesser.GetAsync("/operator/flags")).StatusCode);
        var refused = await operatorClient.GetAsync("/operator/flags");

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }
}

/// <summary>RFC 4180 as a spreadsheet reads it: quoted fields may hold commas, doubled quotes and line breaks.</summary>
internal static class Csv
{
    public static List<string[]> Parse(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                    field.Append(text[++i]);
                else if (c == '"')
                    quoted = false;
                else
                    field.Append(c);
            }
            else if (c == '"')
                quoted = true;
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add([.. row]);
                row.Clear();
                i++;
            }
            else
                field.Append(c);
        }
        Assert.False(quoted, "a quoted field is not closed");
        Assert.True(field.Length == 0 && row.Count == 0, "the last record has no CRLF");
        return rows;
    }
}
