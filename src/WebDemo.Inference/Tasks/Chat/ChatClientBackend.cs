using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Tasks.Chat;

/// <summary>
/// Any <see cref="IChatClient"/> as a chat backend: the stream held to its time budgets
/// (first chunk, between chunks, total), each update turned into a <see cref="ChatDelta"/>.
/// </summary>
public sealed class ChatClientBackend(string provider, IChatClient client, StreamBudget budget, string? device = null)
    : ITaskBackend<ChatCall, ChatDelta>
{
    /// <summary>Where a chat client puts the provider that served a stream, on its first update.</summary>
    public const string ServedByProperty = "served_by";

    /// <summary>Where a chat client puts a notice for the reader (<see cref="ChatDelta.Notice"/>), in words.</summary>
    public const string NoticeProperty = "notice";

    public string Provider => provider;

    public string? Device => device;

    public async IAsyncEnumerable<InferenceUpdate<ChatDelta>> StreamAsync(
        ChatCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var updates = client.GetStreamingResponseAsync(call.Messages, call.Options, cancellationToken)
            .WithBudget(budget, provider, cancellationToken);
        await foreach (var update in updates.ConfigureAwait(false))
        {
            var usage = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details;
            var text = update.Text;
            var finish = update.FinishReason?.Value;
            var calls = update.Contents.OfType<FunctionCallContent>().Select(ToolCall).ToList();
            var notice = update.AdditionalProperties?.TryGetValue(NoticeProperty, out var said) == true ? said as string : null;
            if (text.Length == 0 && usage is null && finish is null && calls.Count == 0 && notice is null)
                continue;
            var servedBy = update.AdditionalProperties?.TryGetValue(ServedByProperty, out var value) == true ? value as string : null;
            yield return InferenceUpdate<ChatDelta>.ForPartial(new ChatDelta(text,
                (int?)usage?.InputTokenCount, (int?)usage?.OutputTokenCount, servedBy, finish, calls.Count == 0 ? null : calls, notice));
        }
    }

    /// <summary>The call with its arguments written back as the JSON object they were parsed from ("{}" when the model wrote none, or no object).</summary>
    private static ChatFunctionCall ToolCall(FunctionCallContent call) => new(call.CallId, call.Name,
        JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), ChatFunctionCall.ArgumentsType));
}
