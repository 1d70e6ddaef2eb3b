using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;
using WebDemo.Features.Chat;

namespace WebDemo.Api;

/// <summary>
/// The body of an API answer that has none (an unknown address, a method the address does not
/// take): under /v1 OpenAI's error shape, as its clients read it; elsewhere problem+json.
/// </summary>
internal static class ApiStatusCodePages
{
    public static async Task WriteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        if (http.Request.Path.StartsWithSegments("/v1"))
        {
            var message = status switch
            {
                StatusCodes.Status404NotFound =>
                    $"No such endpoint: {http.Request.Method} {http.Request.Path}. This server serves POST {ChatCompletionsApi.Route} and GET {ModelsApi.Route}.",
                StatusCodes.Status405MethodNotAllowed => $"{http.Request.Method} is not allowed on {http.Request.Path}.",
                _ => ReasonPhrases.GetReasonPhrase(status),
            };
            await ChatCompletionsApi.OpenAIErrorResult(status, message).ExecuteAsync(http);
            return;
        }
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = { Status = status } });
    }
}
