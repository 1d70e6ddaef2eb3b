using System.Net;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Features.TextToImage.Gallery;
using WebDemo.Hosting;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.TextToImage;

/// <summary><c>GET /gallery/{id}</c> on Kestrel: an image goes only to the browser it belongs to, never sniffed, and downloads under its name.</summary>
[Collection(ServerCollection.Name)]
public class GalleryEndpointTests(WebDemoServer server)
{
    // Well-formed browser ids: 16 bytes in base64url, as the cookie middleware writes them.
    private static readonly string Owner = System.Buffers.Text.Base64Url.EncodeToString(Enumerable.Repeat((byte)1, 16).ToArray());
    private static readonly string Stranger = System.Buffers.Text.Base64Url.EncodeToString(Enumerable.Repeat((byte)2, 16).ToArray());

    private async Task<HttpResponseMessage> GetAsync(string path, string? browser)
    {
        using var client = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (browser is not null)
            request.Headers.Add("Cookie", $"{BrowserIds.CookieName}={browser}");
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task The_owner_gets_the_bytes_and_a_download_anyone_else_gets_404()
    {
        var png = FakeRouter.Png;
        var entry = await server.Services.GetRequiredService<GalleryStore>().AddAsync(Owner,
            new NewGalleryImage("A fox, in snow!", null, "org/sd", "local", 99, 4, 7.5, 1, 1, 0.5, "image/png", png));

        var mine = await GetAsync(entry!.Url, Owner);
        var download = await GetAsync(entry.Url + "?download=1", Owner);
        var theirs = await GetAsync(entry.Url, Stranger);
        var nobody = await GetAsync(entry.Url, null);
        var malformed = await GetAsync("/gallery/..%2F..%2Fetc%2Fpasswd", Owner);

        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        Assert.Equal("image/png", mine.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", mine.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(png, await mine.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("a-fox-in-snow-99.png", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, nobody.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
    }
}
