using WebDemo.Hosting;

namespace WebDemo.Features.TextToImage.Gallery;

/// <summary><c>GET /gallery/{id}</c>: an image of the gallery, to the browser it belongs to only; <c>?download=1</c> as a file to save.</summary>
internal static class GalleryEndpoints
{
    public const string Route = "/gallery/{id}";

    public static async Task<IResult> GetAsync(string id, HttpContext http, GalleryStore gallery, CancellationToken ct)
    {
        if (BrowserIds.Of(http) is not { } browser || id.Length != 32 || !id.All(char.IsAsciiHexDigitLower))
            return Results.NotFound();
        if (await gallery.GetAsync(browser, id, ct) is not { } found)
            return Results.NotFound();
        // The bytes are what a model or provider sent: never let a browser sniff them into something else.
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "private, max-age=86400, immutable";
        return http.Request.Query.ContainsKey("download")
            ? Results.File(found.Bytes, found.Entry.ContentType, found.Entry.FileName)
            : Results.File(found.Bytes, found.Entry.ContentType);
    }
}
