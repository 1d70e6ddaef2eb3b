using System.ClientModel;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Remote.HuggingFace.Resilience;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Inference.Remote.Tasks.Chat;

/// <summary>
/// An <see cref="IChatClient"/> for one provider through the router (or one operator's OpenAI-compatible server). It tells the router's
/// handler which provider the call is for (its retries and circuit breaker apply until the
/// stream starts), turns transport faults mid-stream into errors in words, and refuses to let a
/// stream that stopped without a finish reason pass for a complete answer.
/// </summary>
internal sealed class RouterChatClient(IChatClient inner, string provider, SingleResponseTimeouts connectBudget, string? keySetting = null)
    : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var scope = RouterCall.Begin(new RouterCall(provider, connectBudget, bufferBody: true, keySetting: keySetting));
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransport(ex))
        {
            throw Broken(0, ex);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var call = new RouterCall(provider, connectBudget, bufferBody: false, keySetting: keySetting);
        using var scope = RouterCall.Begin(call);
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var chunks = 0;
        var finished = false;
        while (true)
        {
            try
            {
                if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    break;
            }
            catch (Exception ex) when (IsTransport(ex))
            {
                throw Broken(chunks, ex);
            }
            var update = updates.Current;
            finished |= update.FinishReason is not null;
            chunks++;
            if (chunks == 1 && call.ServedBy is { } servedBy)
                update.AdditionalProperties = new AdditionalPropertiesDictionary(update.AdditionalProperties ?? []) { [ChatClientBackend.ServedByProperty] = servedBy };
            yield return update;
        }
        if (!finished)
            throw new InferenceException(InferenceErrorKind.BackendFailed,
                $"{provider}'s stream ended before the answer was finished ({chunks} chunks arrived); what arrived is kept.") { Provider = provider };
    }

    private static bool IsTransport(Exception ex) => ex is IOException or HttpRequestException or JsonException or ClientResultException;

    private InferenceException Broken(int chunks, Exception ex) => new(InferenceErrorKind.ModelUnavailable,
        chunks == 0
            ? $"{provider} failed before answering ({ex.Message})."
            : $"{provider}'s stream broke off after {chunks} chunks ({ex.Message}); what arrived is kept.", ex) { Provider = provider };
}
