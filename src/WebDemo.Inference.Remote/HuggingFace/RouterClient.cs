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

    public async Task<TaskResponse> PostAsync<TBody>(string provider, string model, TBody body, JsonTypeInfo<TBody> bodyType,
        IProgress<ProgressInfo>? progress, CancellationToken ct)
    {
        var call = new RouterCall(provider, options.Value.SingleResponse, bufferBody: true, progress);
        using var scope = RouterCall.Begin(call);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{options.Value.RouterUrl.TrimEnd('/')}/{provider}/models/{model}")
        {
            Content = JsonContent.Create(body, bodyType),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        using var response = await httpClientFactory.CreateClient(HttpClientName).SendAsync(request, ct).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            return new TaskResponse(doc.RootElement.Clone(), call.ServedBy);
        }
        catch (JsonException ex)
        {
            throw new InferenceException(InferenceErrorKind.BackendFailed, $"{provider} answered malformed JSON ({ex.Message}).", ex) { Provider = provider };
        }
    }
}
