using System.Net;
using Microsoft.Net.Http.Headers;

namespace WebDemo.Tests.Hosting;

/// <summary>The anonymous browser id: set once by the first page, HttpOnly and SameSite=Lax, never on API calls.</summary>
public sealed class BrowserIdsTests : IAsyncDisposable
{
    private readonly KestrelApp _app = KestrelApp.Start();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static HttpRequestMessage Page(string? cookie = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Accept.ParseAdd("text/html");
        if (cookie is not null)
            request.Headers.Add("Cookie", cookie);
        return request;
    }

    /// <summary>The browser id cookie a response sets, if any (pages set the antiforgery cookie too).</summary>
    private static string? BrowserCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies.SingleOrDefault(c => c.StartsWith("webdemo_browser=", StringComparison.Ordinal)) : null;

    [Fact]
    public async Task The_first_page_sets_a_random_http_only_lax_cookie_and_later_pages_keep_it()
    {
        using var http = _app.CreateClient();

        var first = await http.SendAsync(Page());
        var other = await http.SendAsync(Page());
        var cookie = SetCookieHeaderValue.Parse(BrowserCookie(first)!);
        var again = await http.SendAsync(Page($"{cookie.Name}={cookie.Value}"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("webdemo_browser", cookie.Name.ToString());
        Assert.Matches("^[A-Za-z0-9_-]{22}$", cookie.Value.ToString());
        Assert.True(cookie.HttpOnly);
        Assert.Equal(Microsoft.Net.Http.Headers.SameSiteMode.Lax, cookie.SameSite);
        Assert.False(cookie.Secure); // plain http here; https requests get Secure
        Assert.Equal("/", cookie.Path.ToString());
        Assert.NotEqual(cookie.Value, SetCookieHeaderValue.Parse(BrowserCookie(other)!).Value);
        Assert.Null(BrowserCookie(again));
    }

    [Fact]
    public async Task A_malformed_cookie_is_replaced_and_api_calls_get_none()
    {
        using var http = _app.CreateClient();

        var replaced = await http.SendAsync(Page("webdemo_browser=<script>"));
        var api = await http.GetAsync("/api/models");

        Assert.Matches("^webdemo_browser=[A-Za-z0-9_-]{22};", BrowserCookie(replaced));
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Null(BrowserCookie(api));
    }
}
