using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Remote.HuggingFace.Resilience;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>A provider's answer: the JSON body, and the provider the router says served it.</summary>
internal sealed record TaskResponse(JsonElement Body, string? ServedBy);

/// <summary>
/// The Hugging Face task endpoints through the router: <c>POST {router}/{provider}/models/{id}</c>
/// with the task's <c>{"inputs", "parameters"}</c> JSON. Retries, timeouts, the circuit breaker
/// and the error wording come from the router client's <see cref="RouterHandler"/>.
/// </summary>
internal sealed class RouterClient(IHttpClientFactory httpClientFactory, IOptions<CloudOptions> options, HuggingFaceToken token)
{
    public const string HttpClientName = "hf-router";

    /// <summary>Files a provider's answer points to (an image's URL): no token, no redirect followed unchecked.</summary>
    public const string FilesHttpClientName = "hf-provider-files";

    public async Task<TaskResponse> PostAsync<TBody>(string provider, string model, TBody body, JsonTypeInfo<TBody> bodyType,
        IProgress<ProgressInfo>? progress, CancellationToken ct)
    {
        var answer = await SendAsync(provider, HttpMethod.Post, $"models/{model}", JsonContent.Create(body, bodyType),
            options.Value.SingleResponse, headers: null, progress, ct).ConfigureAwait(false);
        return new TaskResponse(answer.Json(provider), answer.ServedBy);
    }

    /// <summary>
    /// Any request to a provider through the router, <c>{router}/{provider}/{path}</c>, with the
    /// token: the provider-specific routes (OpenAI-style image endpoints, queues and their polls).
    /// </summary>
    /// <param name="path">The route under the provider, query included.</param>
    /// <param name="headers">Headers the provider's own API expects besides the token.</param>
    public async Task<RouterAnswer> SendAsync(string provider, HttpMethod method, string path, HttpContent? content,
        SingleResponseTimeouts budget, IReadOnlyDictionary<string, string>? headers, IProgress<ProgressInfo>? progress, CancellationToken ct)
    {
        var call = new RouterCall(provider, budget, bufferBody: true, progress);
        using var scope = RouterCall.Begin(call);
        using var request = new HttpRequestMessage(method, $"{options.Value.RouterUrl.TrimEnd('/')}/{provider}/{path.TrimStart('/')}") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation(name, value);
        using var response = await httpClientFactory.CreateClient(HttpClientName).SendAsync(request, ct).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        return new RouterAnswer(bytes, response.Content.Headers.ContentType?.MediaType, call.ServedBy);
    }

    /// <summary>
    /// A file a provider's answer points to, fetched without the token. Only an https URL on one of
    /// <paramref name="allowedHosts"/> (or a subdomain) or on the router's own origin is fetched, and
    /// each redirect is checked the same way: no URL in an answer reaches any other address.
    /// </summary>
    public async Task<RouterAnswer> FetchFileAsync(string provider, string url, IReadOnlyCollection<string> allowedHosts,
        SingleResponseTimeouts budget, CancellationToken ct)
    {
        var call = new RouterCall(provider, budget, bufferBody: true);
        using var scope = RouterCall.Begin(call);
        var client = httpClientFactory.CreateClient(FilesHttpClientName);
        var next = Uri.TryCreate(url, UriKind.Absolute, out var parsed) ? parsed : null;
        for (var hop = 0; hop <= 3; hop++)
        {
            if (next is null || !IsAllowed(next, allowedHosts))
                throw RouterErrors.Malformed(provider, "text-to-image", $"its file URL is not on {provider}'s own https hosts: {Shorten(url)}");
            HttpResponseMessage response;
            try
            {
                response = await client.GetAsync(next, ct).ConfigureAwait(false);
            }
            catch (InferenceException ex) when (ex.Status is { } status)
            {
                // The file host's refusal is not about this app's token or the model: a 401/403 there
                // (an expired signed URL) must not end the cloud chain as a bad token does.
                throw new InferenceException(ex.Kind is InferenceErrorKind.RateLimited or InferenceErrorKind.PaymentRequired ? ex.Kind : InferenceErrorKind.BackendFailed,
                    $"{provider}'s image could not be downloaded (HTTP {status}).", ex) { Provider = provider, Status = status, RetryAfter = ex.RetryAfter };
            }
            using var _ = response;
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                next = new Uri(next, location);
                url = next.ToString();
                continue;
            }
            var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            return new RouterAnswer(bytes, response.Content.Headers.ContentType?.MediaType, null);
        }
        throw RouterErrors.Malformed(provider, "text-to-image", "its file URL redirected too often");
    }

    /// <summary>https on a listed host or its subdomain, or the router's own origin (scheme, host and port).</summary>
    internal bool IsAllowed(Uri url, IReadOnlyCollection<string> allowedHosts)
    {
        if (Uri.TryCreate(options.Value.RouterUrl, UriKind.Absolute, out var router)
            && Uri.Compare(url, router, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
            return true;
        if (url.Scheme != Uri.UriSchemeHttps || url.HostNameType != UriHostNameType.Dns || !url.IsDefaultPort || url.UserInfo.Length > 0)
            return false;
        var host = url.IdnHost.TrimEnd('.');
        return allowedHosts.Any(allowed => host.Equals(allowed, StringComparison.OrdinalIgnoreCase)
            || host.EndsWith("." + allowed, StringComparison.OrdinalIgnoreCase));
    }

    private static string Shorten(string url) => url.Length > 120 ? url[..120] + "…" : url;
}

/// <summary>A provider's raw answer: the body, its media type, and the provider the router says served it.</summary>
internal sealed record RouterAnswer(byte[] Body, string? ContentType, string? ServedBy)
{
    /// <summary>The body as JSON; a body that is not JSON is the provider's fault, in words.</summary>
    public JsonElement Json(string provider)
    {
        try
        {
            using var doc = JsonDocument.Parse(Body);
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InferenceException(InferenceErrorKind.BackendFailed, $"{provider} answered malformed JSON ({ex.Message}).", ex) { Provider = provider };
        }
    }
}
