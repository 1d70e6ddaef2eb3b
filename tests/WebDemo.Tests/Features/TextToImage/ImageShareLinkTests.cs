using System.Net;

namespace WebDemo.Tests.Features.TextToImage;

/// <summary>The Image page served by Kestrel from a hand-edited share link: a value that does not parse is ignored, never a 500.</summary>
public sealed class ImageShareLinkTests : IAsyncDisposable
{
    private readonly KestrelApp _app = KestrelApp.Start();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Theory]
    [InlineData("steps=abc")]
    [InlineData("width=1.5")]
    [InlineData("height=64px")]
    [InlineData("guidance=lots")]
    [InlineData("seed=1e5")]
    [InlineData("steps=1000000000000")]
    [InlineData("seed=99999999999999999999")]
    public async Task A_link_with_a_value_that_does_not_parse_opens_the_page(string query)
    {
        using var http = _app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/image?prompt=a%20fox&" + query);
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await http.SendAsync(request);

        var page = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {page[..Math.Min(page.Length, 2000)]}");
        Assert.Contains("Image generation", page);
        Assert.Contains("a fox", page);
    }
}
