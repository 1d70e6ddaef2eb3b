using System.Net;
using System.Text.Json;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Json;

namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>Turns what a provider answered into an error a user can act on, in words.</summary>
internal static class RouterErrors
{
    /// <param name="keySetting">
    /// For a configured OpenAI-compatible server, the setting of its API key: a 401 or 403 is then
    /// that server's refusal of its own key, which fails over (the next backend has a key of its own)
    /// rather than ending the chain as a bad Hugging Face token does.
    /// </param>
    public static async Task<InferenceException> FromResponseAsync(HttpResponseMessage response, string provider, string model, TimeSpan? retryAfter,
        string? keySetting = null)
    {
        var status = (int)response.StatusCode;
        var detail = await ErrorTextAsync(response).ConfigureAwait(false);
        var (kind, message) = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden when keySetting is not null => (InferenceErrorKind.BackendFailed,
                $"{provider} refused this app's API key (HTTP {status}): the operator should check {keySetting}."),
            HttpStatusCode.Unauthorized => (InferenceErrorKind.Unauthorized,
                "The Hugging Face token was rejected (HTTP 401): check HF_TOKEN, or create a new token at huggingface.co/settings/tokens."),
            HttpStatusCode.Forbidden => (InferenceErrorKind.Unauthorized,
                $"The Hugging Face token may not call {provider} (HTTP 403): a fine-grained token needs \"Make calls to Inference Providers\"."),
            HttpStatusCode.PaymentRequired => (InferenceErrorKind.PaymentRequired,
                $"Out of credits for {provider} (HTTP 402): add credits or a payment method on huggingface.co/settings/billing."),
            HttpStatusCode.NotFound => (InferenceErrorKind.ModelNotFound,
                $"{provider} does not serve {model} (HTTP 404)."),
            HttpStatusCode.TooManyRequests => (InferenceErrorKind.RateLimited,
                $"{provider} is rate-limiting this app (HTTP 429)" + (retryAfter is { } wait ? $"; try again in {Math.Ceiling(wait.TotalSeconds):0} s." : "; try again shortly.")),
            HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => (InferenceErrorKind.InvalidInput,
                $"{provider} refused the input (HTTP {status})" + (detail is null ? "." : $": {detail}")),
            HttpStatusCode.ServiceUnavailable when await Resilience.ProviderPipelines.EstimatedLoadingTimeAsync(response).ConfigureAwait(false) is { } loading => (InferenceErrorKind.ModelUnavailable,
                $"{model} is still loading at {provider} (about {Math.Ceiling(loading.TotalSeconds):0} s more); try again shortly."),
            _ => (InferenceErrorKind.ModelUnavailable,
                $"{provider} failed (HTTP {status})" + (detail is null ? "." : $": {detail}")),
        };
        return new InferenceException(kind, message) { Provider = provider, Status = status, RetryAfter = retryAfter };
    }

    public static InferenceException Unreachable(string provider, Exception error) =>
        new(InferenceErrorKind.ModelUnavailable, $"{provider} cannot be reached ({error.Message}).", error) { Provider = provider };

    public static InferenceException TimedOut(string provider, TimeSpan budget) =>
        new(InferenceErrorKind.TimedOut, $"{provider} did not answer within {budget.TotalSeconds:0} s.") { Provider = provider };

    public static InferenceException CircuitOpen(string provider) =>
        new(InferenceErrorKind.ProviderDown, $"{provider} is down: it failed repeatedly, so it is skipped for a while.") { Provider = provider };

    public static InferenceException Malformed(string provider, string task, string why) =>
        new(InferenceErrorKind.BackendFailed, $"{provider} answered something that is not a {task} result ({why}).") { Provider = provider };

    /// <summary>The provider's own error text ({"error": "..."} or a short plain body), trimmed for the page.</summary>
    private static async Task<string?> ErrorTextAsync(HttpResponseMessage response)
    {
        string body;
        try
        {
            body = (await response.Content.ReadAsStringAsync().ConfigureAwait(false)).Trim();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or ObjectDisposedException)
        {
            return null;
        }
        if (body.Length == 0)
            return null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var error = doc.RootElement.Member("error");
            body = error?.ValueKind == JsonValueKind.String ? error.Value.GetString()!
                : error?.StringOrNull("message") ?? body;
        }
        catch (JsonException)
        {
        }
        return body.Length > 300 ? body[..300] + "…" : body;
    }
}
