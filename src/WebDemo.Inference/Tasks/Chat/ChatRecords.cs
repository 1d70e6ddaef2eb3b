using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace WebDemo.Inference.Tasks.Chat;

/// <summary>A chat call: the OpenAI chat-completions schema as Microsoft.Extensions.AI models it.</summary>
/// <param name="Model">A model id; null means the configured default chat model.</param>
/// <param name="Provider">"auto" (the router's own choice) or a provider's name.</param>
/// <param name="Policy">For "auto": the caller's own policy (":fastest", ":cheapest"), which wins over the configured one; null for the configured one.</param>
public sealed record ChatRequest(IReadOnlyList<ChatMessage> Messages, string? Model = null, string? Provider = null, ChatOptions? Options = null, string? Policy = null,
    bool Failover = false)
    : ITaskRequest
{
    public static string TaskName => "conversational";

    /// <summary>For the OpenAI API's streams: end with a usage chunk (stream_options.include_usage).</summary>
    public bool IncludeUsage { get; init; }
}

/// <summary>A validated chat call as a backend receives it.</summary>
/// <param name="Policy">For "auto": the caller's policy (":fastest", ":cheapest"), or null for the configured one.</param>
public sealed record ChatCall(string Model, IReadOnlyList<ChatMessage> Messages, ChatOptions? Options, string? Policy = null);

/// <summary>One streamed piece of the answer; the last carries token usage when the provider sends it.</summary>
/// <param name="ServedBy">On the first piece: the provider the router says answered (x-inference-provider), when known.</param>
/// <param name="FinishReason">On the piece that ends the answer: why it ended, as the provider says it ("stop", "length", "tool_calls", "content_filter").</param>
/// <param name="ToolCalls">Calls of the caller's tools the model made, each whole.</param>
/// <param name="Notice">Something the reader must be told about this answer, in words (a local model left the oldest messages out to fit its context).</param>
public sealed record ChatDelta(string Text, int? TokensIn = null, int? TokensOut = null, string? ServedBy = null, string? FinishReason = null,
    IReadOnlyList<ChatFunctionCall>? ToolCalls = null, string? Notice = null);

/// <summary>A model's call of one of the caller's tools.</summary>
/// <param name="Arguments">The arguments as a JSON object in a string.</param>
public sealed record ChatFunctionCall(string Id, string Name, string Arguments)
{
    /// <summary>How a call's arguments (<see cref="FunctionCallContent.Arguments"/>) are read and written: as Microsoft.Extensions.AI does, on one line.</summary>
    public static JsonTypeInfo ArgumentsType { get; } =
        new JsonSerializerOptions(AIJsonUtilities.DefaultOptions) { WriteIndented = false }.GetTypeInfo(typeof(IDictionary<string, object?>));
}

/// <summary>Limits and defaults of the chat task (section "Chat").</summary>
public sealed class ChatTaskOptions
{
    public const string Section = "Chat";

    [Required]
    public string DefaultModel { get; set; } = "meta-llama/Llama-3.1-8B-Instruct";

    /// <summary>Further models a request may name; only these and the default are sent to providers with this app's token.</summary>
    public List<string> Models { get; set; } = [];

    public IReadOnlyList<string> AllowedModels => [DefaultModel, .. Models.Where(m => m != DefaultModel)];

    /// <summary>For "auto": "" (the router's default), ":fastest" or ":cheapest".</summary>
    [RegularExpression("^(|:fastest|:cheapest)$")]
    public string AutoPolicy { get; set; } = "";

    [Range(1, 10_000)]
    public int MaxMessages { get; set; } = 100;

    [Range(1, 10_000_000)]
    public int MaxCharacters { get; set; } = 100_000;

    public Streaming.StreamBudget Budget { get; set; } = new();
}
