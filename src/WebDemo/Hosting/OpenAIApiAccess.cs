using Microsoft.Extensions.Options;
using WebDemo.Features.Chat;

namespace WebDemo.Hosting;

/// <summary>Access to the app's OpenAI-compatible endpoints under /v1 (section "OpenAIApi").</summary>
public sealed class OpenAIApiOptions
{
    public const string Section = "OpenAIApi";

    /// <summary>
    /// The key /v1 callers must send as <c>Authorization: Bearer &lt;key&gt;</c> (env <c>OpenAIApi__ApiKey</c>;
    /// on a Space, a secret). Unset, /v1 is open, like the rest of the demo. Never logged.
    /// </summary>
    public string? ApiKey { get; set; }
}

/// <summary>
/// With OpenAIApi:ApiKey set, every request under <c>/v1</c> must carry it, compared in constant
/// time; otherwise it gets 401 in OpenAI's error shape, and the refusal counts against the caller's
/// rate limit (so a key cannot be guessed quickly). Unset, /v1 is open.
/// </summary>
internal static class OpenAIApiAccess
{
    public const string Prefix = "/v1";

    public static IServiceCollection AddOpenAIApiAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OpenAIApiOptions>().Bind(configuration.GetSection(OpenAIApiOptions.Section));
        return services;
    }

    public static IApplicationBuilder UseOpenAIApiKey(this IApplicationBuilder app) =>
        app.UseWhen(http => http.Request.Path.StartsWithSegments(Prefix), api => api.Use(async (http, next) =>
        {
            if (Refusal(http) is { } refusal)
                await refusal.ExecuteAsync(http);
            else
                await next(http);
        }));

    private static IResult? Refusal(HttpContext http)
    {
        var expected = http.RequestServices.GetRequiredService<IOptions<OpenAIApiOptions>>().Value.ApiKey?.Trim();
        if (string.IsNullOrEmpty(expected) || BearerTokens.Matches(BearerTokens.Presented(http.Request), expected))
            return null;
        var limits = http.RequestServices.GetRequiredService<ClientRateLimits>();
        if (limits.TryStart(http.Connection.RemoteIpAddress) is { } wait)
            return ChatCompletionsApi.OpenAIErrorResult(StatusCodes.Status429TooManyRequests, limits.Refusal(wait), wait);
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return ChatCompletionsApi.OpenAIErrorResult(StatusCodes.Status401Unauthorized,
            "This server's /v1 API wants its API key as 'Authorization: Bearer <key>'; ask whoever runs it.");
    }
}
