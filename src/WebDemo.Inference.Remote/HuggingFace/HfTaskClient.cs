using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Remote.Resilience;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>A provider's answer: the JSON body, and the provider the router says served it.</summary>
public sealed record TaskResponse(JsonElement Body, string? ServedBy);

/// <summary>
/// The Hugging Face task endpoints through the router: <c>POST {router}/{provider}/models/{id}</c>
/// with the task's <c>{"inputs", "parameters"}</c> JSON, inside that provider's Polly pipeline.
/// </summary>
public sealed class HfTaskClient(
    IHttpClientFactory httpClientFactory,
    ProviderPipelines pipelines,
    IOptions<CloudOptions> options,
    HuggingFaceToken token)
{
    public const string HttpClientName = "hf-router";

    public async Task<TaskResponse> PostAsync(string provider, string model, object payload, IProgress<ProgressInfo>? progress, CancellationToken ct)
    {
        var budget = options.Value.SingleResponse;
        var client = httpClientFactory.CreateClient(HttpClientName);
        var url = $"{options.Value.RouterUrl.TrimEnd('/')}/{provider}/models/{model}";
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(ProviderPipelines.ProgressKey, progress);
        HttpResponseMessage response;
        var attempts = 0;
        int? lastStatus = null;
        try
        {
            response = await pipelines.For(provider, budget).ExecuteAsync(async ctx =>
            {
                attempts++;
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(payload) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
                var answer = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ctx.CancellationToken).ConfigureAwait(false);
                lastStatus = (int)answer.StatusCode;
                await answer.Content.LoadIntoBufferAsync(ctx.CancellationToken).ConfigureAwait(false); // a stalled body is this attempt's timeout
                return answer;
            }, context).ConfigureAwait(false);
        }
        catch (BrokenCircuitException)
        {
            // Opened by this very call's failures: say what happened, not only that it is now skipped.
            throw attempts > 0
                ? RouterErrors.FailedThenOpened(provider, attempts, lastStatus)
                : RouterErrors.CircuitOpen(provider);
        }
        catch (TimeoutRejectedException)
        {
            throw RouterErrors.TimedOut(provider, budget.Total);
        }
        catch (HttpRequestException ex)
        {
            throw RouterErrors.Unreachable(provider, ex);
        }
        catch (IOException ex)
        {
            throw RouterErrors.Unreachable(provider, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var wait = await pipelines.ServerRequestedDelayAsync(response).ConfigureAwait(false);
                throw await RouterErrors.FromResponseAsync(response, provider, model, wait?.Delay).ConfigureAwait(false);
            }
            var servedBy = response.Headers.TryGetValues("x-inference-provider", out var values) ? values.FirstOrDefault() : null;
            try
            {
                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
                return new TaskResponse(doc.RootElement.Clone(), servedBy);
            }
            catch (JsonException ex)
            {
                throw new InferenceException(InferenceErrorKind.BackendFailed, $"{provider} answered malformed JSON ({ex.Message}).", ex) { Provider = provider };
            }
        }
    }
}
