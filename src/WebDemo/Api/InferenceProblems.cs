using WebDemo.Inference.Errors;

namespace WebDemo.Api;

/// <summary>How errors a user can act on become HTTP answers: problem+json with a readable detail.</summary>
internal static class InferenceProblems
{
    public static int StatusCodeFor(InferenceErrorKind kind) => kind switch
    {
        InferenceErrorKind.InvalidInput => StatusCodes.Status422UnprocessableEntity,
        InferenceErrorKind.ModelNotFound => StatusCodes.Status404NotFound,
        InferenceErrorKind.Unauthorized => StatusCodes.Status403Forbidden,
        InferenceErrorKind.PaymentRequired => StatusCodes.Status402PaymentRequired,
        InferenceErrorKind.RateLimited => StatusCodes.Status429TooManyRequests,
        InferenceErrorKind.ModelUnavailable or InferenceErrorKind.ProviderDown or InferenceErrorKind.Busy => StatusCodes.Status503ServiceUnavailable,
        InferenceErrorKind.TimedOut => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status502BadGateway,
    };


    /// <summary>Passes a provider's Retry-After on to our own caller.</summary>
    public static IResult WithRetryAfter(IResult result, TimeSpan? retryAfter) =>
        retryAfter is { } wait ? new RetryAfterResult(result, wait) : result;

    private sealed class RetryAfterResult(IResult inner, TimeSpan wait) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(context);
        }
    }

    /// <summary>
    /// problem+json, with the message also under "error", the field the Hugging Face clients
    /// read from an error body, so they show it as it is.
    /// </summary>
    public static IResult Problem(int status, string detail, TimeSpan? retryAfter = null)
    {
        var problem = Results.Problem(
            detail: detail,
            statusCode: status,
            title: status switch
            {
                400 => "Malformed request",
                404 => "Model not found",
                422 => "Invalid input",
                402 => "Out of credits",
                403 => "Not authorized",
                429 => "Rate limited",
                503 => "Unavailable",
                504 => "Timed out",
                _ => "Inference failed",
            },
            extensions: new Dictionary<string, object?> { ["error"] = detail });
        return WithRetryAfter(problem, retryAfter);
    }
}
