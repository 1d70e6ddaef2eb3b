using WebDemo.Inference.Errors;

namespace WebDemo.Api;

/// <summary>How errors a user can act on become HTTP answers: problem+json with a readable detail.</summary>
public static class InferenceProblems
{
    public static int StatusCodeFor(InferenceErrorKind kind) => kind switch
    {
        InferenceErrorKind.InvalidInput => StatusCodes.Status422UnprocessableEntity,
        InferenceErrorKind.ModelNotFound => StatusCodes.Status404NotFound,
        InferenceErrorKind.Unauthorized => StatusCodes.Status403Forbidden,
        InferenceErrorKind.ModelUnavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status502BadGateway,
    };

    public static IResult From(InferenceException error) => Problem(StatusCodeFor(error.Kind), error.Message);

    /// <summary>
    /// problem+json, with the message also under "error", the field the Hugging Face clients
    /// read from an error body, so they show it as it is.
    /// </summary>
    public static IResult Problem(int status, string detail) => Results.Problem(
        detail: detail,
        statusCode: status,
        title: status switch
        {
            400 => "Malformed request",
            404 => "Model not found",
            422 => "Invalid input",
            403 => "Not authorized",
            503 => "Model unavailable",
            _ => "Inference failed",
        },
        extensions: new Dictionary<string, object?> { ["error"] = detail });
}
