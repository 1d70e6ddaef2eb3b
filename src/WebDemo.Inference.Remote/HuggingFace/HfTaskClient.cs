using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Remote.Resilience;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>A provider's answer: the JSON body, and the provider the router says served it.</summary>
public sealed record TaskResponse(JsonElement Body, string? ServedBy);

/// <summary>
/// The Hugging Face task endpoints through the router: <c>POST {router}/{provider}/models/{id}</c>
/// with the task's <c>{"inputs", "parameters"}</c> JSON. Retries, timeouts, the circuit breaker
/// and the error wording come from the router client's <see cref="RouterHandler"/>.
/// </summary>
public sealed class HfTaskClient(IHttpClientFactory httpClientFactory, IOptions<CloudOptions> options, HuggingFaceToken token)
{
    public const string HttpClientName = "hf-router";

    public async Task<TaskResponse> PostAsync(string provider, string model, object payload, IProgress<ProgressInfo>? progress, CancellationToken ct)
    {
        var answer = await SendAsync(provider, $"{provider}/models/{model}", payload, options.Value.SingleResponse, progress, ct).ConfigureAwait(false);
        try
        {
            using var doc = JsonDocument.Parse(answer.Body);
            return new TaskResponse(doc.RootElement.Clone(), answer.ServedBy);
        }
        catch (JsonException ex)
        {
            throw new InferenceException(InferenceErrorKind.BackendFailed, $"{provider} answered malformed JSON ({ex.Message}).", ex) { Provider = provider };
        }
    }

    /// <summary>A raw answer of the router: its bytes and media type (images are not JSON).</summary>
    public sealed record RawResponse(byte[] Body, string? ContentType, string? ServedBy);

    /// <summary>POSTs JSON to <c>{router}/{path}</c> within the provider's pipeline and budget, and returns the whole body.</summary>
    public async Task<RawResponse> SendAsync(string provider, string path, object payload, SingleResponseTimeouts budget,
        IProgress<ProgressInfo>? progress, CancellationToken ct, params (string Name, string Value)[] headers)
    {
        var call = new RouterCall(provider, budget, bufferBody: true, progress);
        using var scope = RouterCall.Begin(call);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{options.Value.RouterUrl.TrimEnd('/')}/{path}")
        {
            Content = JsonContent.Create(payload),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        foreach (var (name, value) in headers)
            request.Headers.TryAddWithoutValidation(name, value);
        using var response = await httpClientFactory.CreateClient(HttpClientName).SendAsync(request, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        return new RawResponse(body, response.Content.Headers.ContentType?.MediaType, call.ServedBy);
    }
}
