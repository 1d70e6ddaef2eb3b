using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace WebDemo.Inference.Remote.HuggingFace.Resilience;

/// <summary>
/// Runs every router request (and every request to a configured OpenAI-compatible server) inside its provider's Polly pipeline (<see cref="ProviderPipelines"/>)
/// and turns every way it can fail into an <see cref="Errors.InferenceException"/> in words. A
/// streamed answer is covered until its headers arrive (retries happen only before any token);
/// from then on the stream's own budgets apply.
/// </summary>
internal sealed class RouterHandler(ProviderPipelines pipelines) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (RouterCall.Current is not { } call)
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);

        // The body is re-sent on each attempt, so it must be readable more than once.
        if (request.Content is { } content)
            await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(ProviderPipelines.ProgressKey, call.Progress);
        HttpResponseMessage response;
        try
        {
            response = await pipelines.For(call.Provider, call.Budget).ExecuteAsync(async ctx =>
            {
                using var attempt = await CloneAsync(request).ConfigureAwait(false);
                var answer = await base.SendAsync(attempt, ctx.CancellationToken).ConfigureAwait(false);
                if (call.BufferBody || !answer.IsSuccessStatusCode)
                    await answer.Content.LoadIntoBufferAsync(ctx.CancellationToken).ConfigureAwait(false); // a stalled body is this attempt's timeout
                return answer;
            }, context).ConfigureAwait(false);
        }
        catch (BrokenCircuitException)
        {
            // The breaker wraps the retries, so it only ever refuses a call before its first attempt.
            throw RouterErrors.CircuitOpen(call.Provider);
        }
        catch (TimeoutRejectedException)
        {
            throw RouterErrors.TimedOut(call.Provider, call.Budget.Total);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw RouterErrors.Unreachable(call.Provider, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        // A redirect reaches here only from a client that follows none itself (an answer's file URL, checked hop by hop).
        if (!response.IsSuccessStatusCode && (int)response.StatusCode is not (>= 300 and < 400))
        {
            using (response)
            {
                var wait = await pipelines.ServerRequestedDelayAsync(response).ConfigureAwait(false);
                throw await RouterErrors.FromResponseAsync(response, call.Provider, ModelOf(request), wait?.Delay, call.KeySetting).ConfigureAwait(false);
            }
        }
        if (call.KeySetting is null && response.Headers.TryGetValues("x-inference-provider", out var values))
            call.ServedBy = values.FirstOrDefault();
        return response;
    }

    private static async Task<HttpRequestMessage> CloneAsync(HttpRequestMessage request)
    {
        var clone = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var header in request.Headers)
            clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
        if (request.Content is { } content)
        {
            var bytes = await content.ReadAsByteArrayAsync().ConfigureAwait(false);
            clone.Content = new ByteArrayContent(bytes);
            foreach (var header in content.Headers)
                clone.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
        foreach (var option in request.Options)
            ((IDictionary<string, object?>)clone.Options)[option.Key] = option.Value;
        return clone;
    }

    /// <summary>The model a task request names in its path (…/models/{org}/{name}), for error messages.</summary>
    private static string ModelOf(HttpRequestMessage request)
    {
        var path = request.RequestUri?.AbsolutePath ?? "";
        var at = path.IndexOf("/models/", StringComparison.Ordinal);
        return at >= 0 ? path[(at + "/models/".Length)..] : "the model";
    }
}
