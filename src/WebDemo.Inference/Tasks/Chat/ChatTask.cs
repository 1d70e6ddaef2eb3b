using WebDemo.Inference.Queueing;
using WebDemo.Inference.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace WebDemo.Inference.Tasks.Chat;

/// <summary>
/// The chat task: validates the conversation, then plans and walks the provider chain
/// (<see cref="RoutedTask{TRequest, TCall, TItem}"/>). Its backends wrap
/// <see cref="IChatClient"/>s (<see cref="ChatClientBackend"/>), each stream held to its time budgets.
/// </summary>
internal sealed class ChatTask(
    IEnumerable<ILocalTaskBackend<ChatCall, ChatDelta>> localBackends,
    IOptions<ChatTaskOptions> options,
    ICloudTaskBackends<ChatCall, ChatDelta>? cloud = null,
    TaskQueues? queues = null,
    UsageMetering? usage = null)
    : RoutedTask<ChatRequest, ChatCall, ChatDelta>(localBackends, cloud, queues, usage)
{
    protected override IReadOnlyList<string> CloudModels => options.Value.AllowedModels;

    protected override void Validate(ChatRequest request)
    {
        var limits = options.Value;
        if (request.Messages is null || request.Messages.Count == 0)
            throw Invalid("Send at least one message.");
        if (request.Messages.Count > limits.MaxMessages)
            throw Invalid($"Too many messages: {request.Messages.Count}. At most {limits.MaxMessages}.");
        if (!request.Messages.Any(m => m.Role == ChatRole.User && (!string.IsNullOrWhiteSpace(m.Text) || m.Contents.Any(c => c is not TextContent))))
            throw Invalid("The conversation needs at least one non-empty user message.");
        // Text is counted (the messages' and the tools' results); images are held to the request body's size limit.
        var characters = request.Messages.SelectMany(m => m.Contents).Sum(c => c switch
        {
            TextContent text => text.Text.Length,
            FunctionResultContent result => (result.Result as string)?.Length ?? 0,
            _ => 0,
        });
        if (characters > limits.MaxCharacters)
            throw Invalid($"The conversation is {characters:N0} characters long; at most {limits.MaxCharacters:N0} are accepted.");
        ValidateSampling(request.Options);
    }

    /// <summary>Most stop sequences a request may give (OpenAI's limit; TGI's default too).</summary>
    public const int MaxStopSequences = 4;

    /// <summary>Most characters in one stop sequence.</summary>
    public const int MaxStopCharacters = 1_000;

    /// <summary>
    /// The sampling settings within the ranges OpenAI's API takes, named as there: a value outside
    /// them is refused in words rather than clamped or dropped (the local engine would otherwise
    /// read a negative temperature as greedy, and a provider might refuse it in its own words).
    /// </summary>
    private static void ValidateSampling(ChatOptions? options)
    {
        if (options is null)
            return;
        if (options.MaxOutputTokens is < 1)
            throw Invalid($"\"max_tokens\" must be at least 1 (it was {options.MaxOutputTokens}).");
        if (options.Temperature is { } temperature && !(temperature is >= 0 and <= 2))
            throw Invalid($"\"temperature\" must be between 0 and 2 (it was {temperature}).");
        if (options.TopP is { } topP && !(topP is >= 0 and <= 1))
            throw Invalid($"\"top_p\" must be between 0 and 1 (it was {topP}).");
        if (options.TopK is < 1)
            throw Invalid($"\"top_k\" must be at least 1 (it was {options.TopK}).");
        foreach (var (name, penalty) in new[] { ("presence_penalty", options.PresencePenalty), ("frequency_penalty", options.FrequencyPenalty) })
        {
            if (penalty is { } value && !(value is >= -2 and <= 2))
                throw Invalid($"\"{name}\" must be between -2 and 2 (it was {value}).");
        }
        if (options.StopSequences is { } stop)
        {
            if (stop.Count > MaxStopSequences)
                throw Invalid($"At most {MaxStopSequences} stop sequences are accepted; {stop.Count} were given.");
            if (stop.Any(s => string.IsNullOrEmpty(s) || s.Length > MaxStopCharacters))
                throw Invalid($"Each stop sequence must be 1 to {MaxStopCharacters:N0} characters long.");
        }
    }

    protected override ChatCall CreateCall(ChatRequest request, string model) => new(model, request.Messages, request.Options, request.Policy);

    protected override (int In, int Out) Tokens(ChatDelta item) => (item.TokensIn ?? 0, item.TokensOut ?? 0);

    protected override string? ServedBy(ChatDelta item) => item.ServedBy;
}
