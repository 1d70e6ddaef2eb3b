using System.Buffers.Text;
using System.Security.Cryptography;

namespace WebDemo.Hosting;

/// <summary>
/// An anonymous id per browser, so server-side state (flags now) can be kept per visitor without
/// knowing who they are or storing their address: 128 random bits in an HttpOnly, SameSite=Lax
/// cookie (Secure over https), set on the first page a browser loads and kept for a year.
/// </summary>
internal static class BrowserIds
{
    public const string CookieName = "webdemo_browser";

    private static readonly object ItemKey = new();

    /// <summary>Reads the id from the cookie, or sets a new one on a page load; other requests get none.</summary>
    public static IApplicationBuilder UseBrowserIds(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        if (http.Request.Cookies[CookieName] is { } cookie && IsWellFormed(cookie))
        {
            http.Items[ItemKey] = cookie;
        }
        else if (HttpMethods.IsGet(http.Request.Method) && http.Request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true))
        {
            var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
            http.Response.Cookies.Append(CookieName, id, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = http.Request.IsHttps,
                IsEssential = true,
                MaxAge = TimeSpan.FromDays(365),
                Path = "/",
            });
            http.Items[ItemKey] = id;
        }
        return next(http);
    });

    /// <summary>The id of the browser that sent this request, if it has one.</summary>
    public static string? Of(HttpContext? http) => http?.Items[ItemKey] as string;

    /// <summary>22 base64url characters: what <see cref="UseBrowserIds"/> writes; anything else is replaced.</summary>
    public static bool IsWellFormed(string id) => id.Length == 22 && Base64Url.IsValid(id, out var bytes) && bytes == 16;
}

/// <summary>
/// The visitor's browser id for a circuit, which has no request of its own: set once by the router
/// from the request that rendered the page (as <see cref="PageAdmission"/> gets the address).
/// </summary>
internal sealed class BrowserIdentity
{
    public string? Id { get; private set; }

    public void Identify(string? id)
    {
        if (Id is null && id is not null && BrowserIds.IsWellFormed(id))
            Id = id;
    }
}
