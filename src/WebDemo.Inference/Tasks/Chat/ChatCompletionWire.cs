using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using WebDemo.Inference.Json;

namespace WebDemo.Inference.Tasks.Chat;

// The OpenAI chat-completions wire format, as the app's /v1/chat/completions reads and writes it
// (https://platform.openai.com/docs/api-reference/chat). Names are snake_case on the wire.

public sealed record ChatCompletionRequest(
    string? Model,
    IReadOnlyList<ChatCompletionMessage>? Messages,
    bool? Stream = null,
    int? MaxTokens = null,
    int? MaxCompletionTokens = null,
    float? Temperature = null,
    float? TopP = null,
    [property: JsonConverter(typeof(OneOrManyStringsConverter))] IReadOnlyList<string>? Stop = null,
    long? Seed = null,
    float? PresencePenalty = null,
    float? FrequencyPenalty = null,
    JsonElement? ResponseFormat = null,
    bool? ParallelToolCalls = null,
    ChatCompletionStreamOptions? StreamOptions = null,
    // Read so that a request using them is refused by name rather than silently answered without them
    // (tools and tool_choice are read as JSON and checked by the API, which names a malformed field).
    int? N = null,
    JsonElement? Tools = null,
    JsonElement? ToolChoice = null,
    bool? Logprobs = null,
    int? TopLogprobs = null,
    string? User = null);

/// <summary>stream_options: with include_usage, a stream ends with a chunk that has no choices and the usage.</summary>
public sealed record ChatCompletionStreamOptions(bool? IncludeUsage = null);

/// <param name="Content">A string, or a list of text and image_url parts; null (written as null) for an answer that only calls tools.</param>
/// <param name="ToolCalls">An assistant's calls of the caller's tools.</param>
/// <param name="ToolCallId">On a "tool" message: the call whose result it carries.</param>
public sealed record ChatCompletionMessage(
    string? Role,
    [property: JsonConverter(typeof(ChatContentConverter)), JsonIgnore(Condition = JsonIgnoreCondition.Never)] ChatContent? Content,
    IReadOnlyList<ChatCompletionToolCall>? ToolCalls = null,
    string? ToolCallId = null);

/// <summary>A call of one of the caller's tools: <c>{id, type: "function", function: {name, arguments}}</c>; in a stream's delta also its index.</summary>
public sealed record ChatCompletionToolCall(int? Index, string? Id, string? Type, ChatCompletionFunctionCall? Function);

/// <param name="Arguments">The arguments as a JSON object in a string, as the model wrote them.</param>
public sealed record ChatCompletionFunctionCall(string? Name, string? Arguments);

public sealed record ChatCompletion(
    string Id, [property: JsonPropertyName("object")] string ObjectType, long Created, string Model, IReadOnlyList<ChatCompletionChoice> Choices,
    ChatCompletionUsage? Usage, string? Provider, string? Failover = null, string? Notice = null);

public sealed record ChatCompletionChoice(
    int Index,
    ChatCompletionMessage? Message = null,
    ChatCompletionDelta? Delta = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason = null);

public sealed record ChatCompletionDelta(string? Content = null, IReadOnlyList<ChatCompletionToolCall>? ToolCalls = null);

public sealed record ChatCompletionUsage(int PromptTokens, int CompletionTokens, int TotalTokens);

/// <summary>OpenAI's model list (<c>GET /v1/models</c>): <c>{"object": "list", "data": [...]}</c>.</summary>
public sealed record OpenAIModelList([property: JsonPropertyName("object")] string ObjectType, IReadOnlyList<OpenAIModelCard> Data);

/// <summary>One model of the list: <c>{"id", "object": "model", "created", "owned_by"}</c>.</summary>
public sealed record OpenAIModelCard(string Id, [property: JsonPropertyName("object")] string ObjectType, long Created, string OwnedBy);

/// <summary>OpenAI's error body: <c>{"error": {"message", "type", "code"}}</c>.</summary>
public sealed record OpenAIError(OpenAIErrorBody Error);

public sealed record OpenAIErrorBody(string Message, string Type, int Code);

/// <summary>A message's content: its text, and, when it has more than text (an image), all its parts in order.</summary>
/// <param name="Text">The text parts, joined: what the character limits count.</param>
/// <param name="Parts">Null for text only.</param>
public sealed record ChatContent(string Text, IReadOnlyList<AIContent>? Parts = null)
{
    public IList<AIContent> ToContents() => Parts?.ToList() ?? [new TextContent(Text)];
}

/// <summary>
/// Message content: a string, or a list of parts: text (<c>{"type": "text", "text": ...}</c>) and images
/// (<c>{"type": "image_url", "image_url": {"url": "https://..." or "data:image/...;base64,..."}}</c>).
/// Any other part is refused by name, not silently dropped. Written back as its text.
/// </summary>
public sealed class ChatContentConverter : JsonConverter<ChatContent>, IDescribedConverter
{
    public string Expected => "a string or a list of text and image_url parts";

    public override ChatContent? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return new ChatContent(OneOrManyStringsConverter.Text(ref reader));
            case JsonTokenType.StartArray:
                using (var document = JsonDocument.ParseValue(ref reader))
                {
                    var parts = document.RootElement.EnumerateArray().Select(Part).ToList();
                    var text = string.Concat(parts.OfType<TextContent>().Select(t => t.Text));
                    return new ChatContent(text, parts.All(p => p is TextContent) ? null : parts);
                }
            default:
                throw new JsonException();
        }
    }

    private static AIContent Part(JsonElement part)
    {
        switch (part.StringOrNull("type"))
        {
            case "text" when part.StringOrNull("text") is { } text:
                return new TextContent(text);
            case "image_url" when part.Member("image_url") is { } image && image.StringOrNull("url") is { } url:
                AIContent content;
                if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
                {
                    try
                    {
                        content = new DataContent(url);
                    }
                    catch (Exception ex) when (ex is ArgumentException or FormatException)
                    {
                        throw new WireValueException("has an image_url whose data: URL is not valid base64 data.");
                    }
                    if (!((DataContent)content).HasTopLevelMediaType("image"))
                        throw new WireValueException("has an image_url whose data: URL is not an image.");
                }
                else if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http")
                    content = new UriContent(uri, "image/*");
                else
                    throw new WireValueException("has an image_url that is neither an http(s) URL nor a data: URL.");
                if (image.StringOrNull("detail") is { } detail)
                    content.AdditionalProperties = new() { ["detail"] = detail };
                return content;
            case "text" or "image_url":
                throw new WireValueException("has a malformed part: text parts need \"text\", image_url parts need \"image_url\": {\"url\"}.");
            case { } other:
                throw new WireValueException($"has a part of type '{other}', which is not supported here; send text and image_url parts.");
            default:
                throw new WireValueException("has a part without a \"type\".");
        }
    }

    public override void Write(Utf8JsonWriter writer, ChatContent value, JsonSerializerOptions options) => writer.WriteStringValue(value.Text);
}
