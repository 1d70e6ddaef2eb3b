using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using WebDemo.Api;
using WebDemo.Inference.Json;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Features.Chat;

/// <summary>
/// OpenAI-compatible chat completions (<c>POST /v1/chat/completions</c>), so the OpenAI SDKs can
/// use the app. As on the HF router, the model may carry a provider (<c>model:provider</c>) or a
/// policy (<c>:fastest</c>, <c>:cheapest</c>). Errors use OpenAI's <c>{"error": {"message", "type", "code"}}</c> shape.
/// </summary>
internal sealed class ChatCompletionsApi(IOptions<ChatTaskOptions> options) : WireFormat<ChatCompletionRequest, ChatRequest, ChatDelta>
{
    public const string Route = "/v1/chat/completions";

    public override JsonTypeInfo<ChatCompletionRequest> WireType => InferenceJsonContext.Default.ChatCompletionRequest;

    public override string ExpectedBody => "{\"model\": \"...\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}]}";

    public override int ShapeErrorStatus => StatusCodes.Status400BadRequest;

    public override ChatRequest ToRequest(ChatCompletionRequest wire, HttpContext http)
    {
        if (wire.Messages is null)
            throw new BadBodyException(ShapeErrorStatus, "\"messages\" must be an array of {role, content}.");
        var messages = new List<ChatMessage>();
        foreach (var message in wire.Messages)
        {
            if (message?.Role is not { } role)
                throw new BadBodyException(ShapeErrorStatus, "Each message needs a string \"role\".");
            if (role is not ("system" or "user" or "assistant" or "developer"))
                throw new BadBodyException(ShapeErrorStatus, $"Unknown role '{role}'; use system, user or assistant.");
            messages.Add(new ChatMessage(role == "developer" ? ChatRole.System : new ChatRole(role), message.Content ?? ""));
        }

        string? model = null, provider = null, policy = null;
        if (wire.Model is { Length: > 0 } named)
        {
            var colon = named.LastIndexOf(':');
            var suffix = colon < 0 ? null : named[(colon + 1)..];
            model = suffix is null ? named : named[..colon];
            provider = suffix is null or "fastest" or "cheapest" ? ProviderNames.Auto : suffix;
            policy = suffix is "fastest" or "cheapest" ? ":" + suffix : null; // the caller's policy wins over the configured one
        }
        RefuseUnsupported(wire);
        var chatOptions = new ChatOptions
        {
            MaxOutputTokens = wire.MaxCompletionTokens ?? wire.MaxTokens,
            Temperature = wire.Temperature,
            TopP = wire.TopP,
            StopSequences = wire.Stop?.ToList(),
            Seed = wire.Seed,
            PresencePenalty = wire.PresencePenalty,
            FrequencyPenalty = wire.FrequencyPenalty,
            ResponseFormat = ResponseFormat(wire.ResponseFormat),
        };
        return new ChatRequest(messages, model, provider, chatOptions, policy, TaskHttp.Failover(http));
    }

    /// <summary>Fields this server cannot honour are refused by name, never silently dropped.</summary>
    private void RefuseUnsupported(ChatCompletionRequest wire)
    {
        string? field = wire switch
        {
            { N: not (null or 1) } => "n",
            { Tools: { ValueKind: not JsonValueKind.Null } } => "tools",
            { ToolChoice: { ValueKind: not JsonValueKind.Null } } => "tool_choice",
            { Logprobs: true } => "logprobs",
            { TopLogprobs: not null } => "top_logprobs",
            { User: not null } => "user",
            _ => null,
        };
        if (field is not null)
            throw new BadBodyException(ShapeErrorStatus, $"\"{field}\" is not supported by this server; send the request without it.");
    }

    private ChatResponseFormat? ResponseFormat(JsonElement? format)
    {
        if (format is not { ValueKind: not JsonValueKind.Null } element)
            return null;
        switch (element.ValueKind == JsonValueKind.Object ? element.StringOrNull("type") : null)
        {
            case "text":
                return ChatResponseFormat.Text;
            case "json_object":
                return ChatResponseFormat.Json;
            case "json_schema" when element.TryGetProperty("json_schema", out var spec) && spec.ValueKind == JsonValueKind.Object
                                    && spec.TryGetProperty("schema", out var schema):
                return ChatResponseFormat.ForJsonSchema(schema.Clone(), spec.StringOrNull("name"), spec.StringOrNull("description"));
            default:
                throw new BadBodyException(ShapeErrorStatus,
                    "\"response_format\" must be {\"type\": \"text\"}, {\"type\": \"json_object\"} or {\"type\": \"json_schema\", \"json_schema\": {\"name\", \"schema\"}}.");
        }
    }

    public override bool WantsStream(ChatCompletionRequest wire, HttpContext http) => wire.Stream == true;

    /// <summary>OpenAI stream chunks; the last carries the finish reason and usage; then [DONE].</summary>
    public override IResult Stream(IAsyncEnumerable<InferenceUpdate<ChatDelta>> updates, ChatRequest request, CancellationToken ct)
    {
        var (id, created, model) = Identity(request);
        string? finishReason = null; // the provider's, from the piece that ended the answer
        var chunks = updates.Translate(
            update =>
            {
                if (update.Partial?.FinishReason is { } reason)
                    finishReason = reason;
                return update.Kind switch
                {
                    UpdateKind.Partial when update.Partial!.Text.Length > 0 =>
                        Chunk(new ChatCompletionChoice(0, Delta: new ChatCompletionDelta(update.Partial.Text)), null),
                    UpdateKind.Final => Chunk(new ChatCompletionChoice(0, Delta: new ChatCompletionDelta(), FinishReason: finishReason ?? "stop"), update.Provenance),
                    _ => null,
                };
            },
            error => JsonSerializer.Serialize(ErrorBody(InferenceProblems.StatusCodeFor(error.Kind), error.Message), InferenceJsonContext.Default.OpenAIError),
            ct);
        return TypedResults.ServerSentEvents(WithDone(chunks));

        string Chunk(ChatCompletionChoice choice, Provenance? provenance) => JsonSerializer.Serialize(
            new ChatCompletion(id, "chat.completion.chunk", created, model, [choice], Usage(provenance), provenance?.Provider, provenance?.Failover),
            InferenceJsonContext.Default.ChatCompletion);
    }

    private static async IAsyncEnumerable<string> WithDone(IAsyncEnumerable<string?> chunks)
    {
        await foreach (var chunk in chunks)
        {
            if (chunk is not null)
                yield return chunk;
        }
        yield return "[DONE]";
    }

    public override IResult Complete(IReadOnlyList<ChatDelta> items, Provenance? provenance, ChatRequest request, HttpContext http)
    {
        var (id, created, model) = Identity(request);
        if (provenance is not null)
            TaskHttp.WriteProvenanceHeaders(http, provenance);
        var message = new ChatCompletionMessage("assistant", string.Concat(items.Select(d => d.Text)));
        return Results.Json(new ChatCompletion(id, "chat.completion", created, model,
            [new ChatCompletionChoice(0, Message: message, FinishReason: FinishReason(items))], Usage(provenance), provenance?.Provider, provenance?.Failover),
            InferenceJsonContext.Default.ChatCompletion);
    }

    /// <summary>The provider's finish reason ("length", "tool_calls", "content_filter", ...); "stop" when it gave none.</summary>
    private static string FinishReason(IReadOnlyList<ChatDelta> items) => items.LastOrDefault(d => d.FinishReason is not null)?.FinishReason ?? "stop";

    public override IResult Error(int status, string message, TimeSpan? retryAfter = null) =>
        InferenceProblems.WithRetryAfter(Results.Json(ErrorBody(status, message), InferenceJsonContext.Default.OpenAIError, statusCode: status), retryAfter);

    private (string Id, long Created, string Model) Identity(ChatRequest request) =>
        ("chatcmpl-" + Guid.NewGuid().ToString("N")[..24], DateTimeOffset.UtcNow.ToUnixTimeSeconds(), request.Model ?? options.Value.DefaultModel);

    private static ChatCompletionUsage? Usage(Provenance? provenance) => provenance is null ? null
        : new(provenance.TokensIn ?? 0, provenance.TokensOut ?? 0, (provenance.TokensIn ?? 0) + (provenance.TokensOut ?? 0));

    private static OpenAIError ErrorBody(int status, string message) => new(new OpenAIErrorBody(message, status switch
    {
        StatusCodes.Status400BadRequest or StatusCodes.Status422UnprocessableEntity => "invalid_request_error",
        StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden => "authentication_error",
        StatusCodes.Status404NotFound => "not_found_error",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        StatusCodes.Status402PaymentRequired => "insufficient_quota",
        _ => "api_error",
    }, status));
}
