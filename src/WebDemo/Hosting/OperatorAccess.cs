using Microsoft.Extensions.Options;

namespace WebDemo.Hosting;

/// <summary>The operator's access to the endpoints under /operator (section "Operator").</summary>
public sealed class OperatorOptions
{
    public const string Section = "Operator";

    public const int MinTokenLength = 16;

    /// <summary>
    /// The bearer token the operator endpoints want (env <c>Operator__Token</c>; on a Space, a
    /// secret). Unset, the endpoints are off: they answer 404 as any unknown address does.
    /// </summary>
    public string? Token { get; set; }
}

/// <summary>
/// The endpoints for whoever runs the demo (flags, usage), under <c>/operator</c>: off
/// (404) without a configured token, else each call is counted against the caller's rate limit and
/// must carry <c>Authorization: Bearer &lt;token&gt;</c>, compared in constant time. The token is never logged.
/// </summary>
internal static class OperatorAccess
{
    public const string Prefix = "/operator";

    public static IServiceCollection AddOperatorAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OperatorOptions>().Bind(configuration.GetSection(OperatorOptions.Section))
            .Validate(o => string.IsNullOrEmpty(o.Token) || o.Token.Trim().Length >= OperatorOptions.MinTokenLength,
                $"Operator:Token must be at least {OperatorOptions.MinTokenLength} characters long (e.g. the output of `openssl rand -hex 32`), or unset to turn the operator endpoints off.")
            .ValidateOnStart();
        return services;
    }

    /// <summary>A route group under /operator whose endpoints only the operator reaches.</summary>
    public static RouteGroupBuilder MapOperatorGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup(Prefix).AddEndpointFilter(async (context, next) =>
            Refusal(context.HttpContext) ?? await next(context));

    private static IResult? Refusal(HttpContext http)
    {
        var expected = http.RequestServices.GetRequiredService<IOptions<OperatorOptions>>().Value.Token?.Trim();
        if (string.IsNullOrEmpty(expected))
            return Results.NotFound();
        if (http.RequestServices.GetRequiredService<ClientRateLimits>().ProblemFor(http) is { } tooMany)
            return tooMany;
        if (BearerTokens.Matches(BearerTokens.Presented(http.Request), expected))
            return null;
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
            detail: "The operator endpoints want the operator token as 'Authorization: Bearer <token>'.");
    }
}
