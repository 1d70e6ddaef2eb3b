using System.Text.Json;
using System.Text.Json.Serialization;
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
    // Read so that a request using them is refused by name rather than silently answered without them.
    int? N = null,
    JsonElement? Tools = null,
    JsonElement? ToolChoice = null,
    bool? Logprobs = null,
    int? TopLogprobs = null,
    string? User = null);

/// <param name="Content">A string, or a list of text parts, joined.</param>
public sealed record ChatCompletionMessage(string? Role, [property: JsonConverter(typeof(ChatContentConverter))] string? Content);

public sealed record ChatCompletion(
    string Id, [property: JsonPropertyName("object")] string ObjectType, long Created, string Model, IReadOnlyList<ChatCompletionChoice> Choices,
    ChatCompletionUsage? Usage, string? Provider, string? Failover = null);

public sealed record ChatCompletionChoice(
    int Index,
    ChatCompletionMessage? Message = null,
    ChatCompletionDelta? Delta = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason = null);

public sealed record ChatCompletionDelta(string? Content = null);

public sealed record ChatCompletionUsage(int PromptTokens, int CompletionTokens, int TotalTokens);

/// <summary>OpenAI's error body: <c>{"error": {"message", "type", "code"}}</c>.</summary>
public sealed record OpenAIError(OpenAIErrorBody Error);

public sealed record OpenAIErrorBody(string Message, string Type, int Code);

/// <summary>Message content: a string, or a list of text parts (<c>{"type": "text", "text": ...}</c>), joined; other parts are refused.</summary>
public sealed class ChatContentConverter : JsonConverter<string>, IDescribedConverter
{
    public string Expected => "a string or a list of text parts (image and other parts are not supported here)";

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return OneOrManyStringsConverter.Text(ref reader);
            case JsonTokenType.StartArray:
                using (var parts = JsonDocument.ParseValue(ref reader))
                {
                    // Only text parts are read; an image (or any other) part is refused, not silently dropped.
                    if (parts.RootElement.EnumerateArray().Any(p => p.StringOrNull("type") != "text"))
                        throw new JsonException("Only text content parts are supported.");
                    return string.Concat(parts.RootElement.EnumerateArray().Select(p => p.StringOrNull("text")));
                }
            default:
                throw new JsonException();
        }
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
