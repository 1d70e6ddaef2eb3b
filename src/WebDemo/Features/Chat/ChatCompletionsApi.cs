using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using WebDemo.Api;
using WebDemo.Inference.Json;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Features.Chat;

/// <summary>
/// OpenAI-compatible chat completions (<c>POST /v1/chat/completions</c>), so the OpenAI SDKs can
/// use the app. As on the HF router, the model may carry a provider (<c>model:provider</c>) or a
/// policy (<c>:fastest</c>, <c>:cheapest</c>); a model id the app serves is taken whole even when it has a colon itself. Errors use OpenAI's <c>{"error": {"message", "type", "code"}}</c> shape.
/// </summary>
internal sealed class ChatCompletionsApi(IOptions<ChatTaskOptions> options, IInferenceTask<ChatRequest, ChatDelta> chat)
    : WireFormat<ChatCompletionRequest, ChatRequest, ChatDelta>
{
    public const string Route = "/v1/chat/completions";

    public override JsonTypeInfo<ChatCompletionRequest> WireType => InferenceJsonContext.Default.ChatCompletionRequest;

    public override string ExpectedBody => "{\"model\": \"...\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}]}";

    public override int ShapeErrorStatus => StatusCodes.Status400BadRequest;

    public override ChatRequest ToRequest(ChatCompletionRequest wire, HttpContext http)
    {
        if (wire.Messages is null)
            throw Bad("\"messages\" must be an array of {role, content}.");
        var messages = wire.Messages.Select((message, i) => Message(message, $"messages[{i}]")).ToList();

        string? model = null, provider = null, policy = null;
        if (wire.Model is { Length: > 0 } named)
        {
            var colon = chat.Models.Contains(named) ? -1 : named.LastIndexOf(':'); // a served id with a colon (Ollama's "llama3.2:1b") is taken whole
            var suffix = colon < 0 ? null : named[(colon + 1)..];
            model = suffix is null ? named : named[..colon];
            // A plain id names no provider: a model that runs here answers here, any other goes to the
            // router (auto), as on the pages. "auto" here would send a local model to the cloud first.
            provider = suffix is null ? null : suffix is "fastest" or "cheapest" ? ProviderNames.Auto : suffix;
            policy = suffix is "fastest" or "cheapest" ? ":" + suffix : null; // the caller's policy wins over the configured one
        }
        RefuseUnsupported(wire);
        if (wire.StreamOptions is not null && wire.Stream != true)
            throw Bad("\"stream_options\" is only allowed when \"stream\" is true.");
        var (tools, toolMode) = Tools(wire);
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
            Tools = tools,
            ToolMode = toolMode,
            AllowMultipleToolCalls = wire.ParallelToolCalls, // sent as parallel_tool_calls when there are tools
        };
        return new ChatRequest(messages, model, provider, chatOptions, policy, TaskHttp.Failover(http))
        {
            IncludeUsage = wire.StreamOptions?.IncludeUsage == true,
        };
    }

    /// <summary>Fields this server cannot honour are refused by name, never silently dropped.</summary>
    private void RefuseUnsupported(ChatCompletionRequest wire)
    {
        string? field = wire switch
        {
            { N: not (null or 1) } => "n",
            { Logprobs: true } => "logprobs",
            { TopLogprobs: not null } => "top_logprobs",
            { User: not null } => "user",
            _ => null,
        };
        if (field is not null)
            throw Bad($"\"{field}\" is not supported by this server; send the request without it.");
    }

    private BadBodyException Bad(string message) => new(ShapeErrorStatus, message);

    /// <summary>A message as Microsoft.Extensions.AI models it: a tool's result, or an assistant's tool calls, as contents.</summary>
    private ChatMessage Message(ChatCompletionMessage? message, string field)
    {
        if (message?.Role is not { } role)
            throw Bad("Each message needs a string \"role\".");
        if (message.ToolCalls is not null && role != "assistant")
            throw Bad($"\"{field}.tool_calls\" belongs on assistant messages only.");
        if (message.ToolCallId is not null && role != "tool")
            throw Bad($"\"{field}.tool_call_id\" belongs on tool messages only.");
        var contents = (message.Content ?? new ChatContent("")).ToContents();
        switch (role)
        {
            case "system" or "developer":
                return new ChatMessage(ChatRole.System, contents);
            case "user":
                return new ChatMessage(ChatRole.User, contents);
            case "assistant":
                var calls = message.ToolCalls?.Select((call, i) => ToolCall(call, $"{field}.tool_calls[{i}]")) ?? [];
                return new ChatMessage(ChatRole.Assistant, [.. message.Content is null ? [] : contents, .. calls]);
            case "tool":
                if (message.ToolCallId is not { Length: > 0 } callId)
                    throw Bad($"\"{field}.tool_call_id\" must name the call whose result this tool message carries.");
                if (message.Content?.Parts is not null)
                    throw Bad($"\"{field}.content\" of a tool message must be text.");
                return new ChatMessage(ChatRole.Tool, [new FunctionResultContent(callId, message.Content?.Text ?? "")]);
            default:
                throw Bad($"Unknown role '{role}'; use system, user, assistant or tool.");
        }
    }

    private FunctionCallContent ToolCall(ChatCompletionToolCall? call, string field)
    {
        if (call is not { Id.Length: > 0, Type: null or "function", Function.Name.Length: > 0 })
            throw Bad($"\"{field}\" must be {{\"id\", \"type\": \"function\", \"function\": {{\"name\", \"arguments\"}}}}.");
        IDictionary<string, object?>? arguments;
        try
        {
            arguments = (IDictionary<string, object?>?)JsonSerializer.Deserialize(call.Function.Arguments ?? "{}", ChatFunctionCall.ArgumentsType);
        }
        catch (JsonException)
        {
            arguments = null;
        }
        return arguments is null
            ? throw Bad($"\"{field}.function.arguments\" must be a JSON object in a string.")
            : new FunctionCallContent(call.Id, call.Function.Name, arguments);
    }

    /// <summary>The caller's function tools as declarations (schemas the model may call; this server runs none), and its tool choice.</summary>
    private (IList<AITool>? Tools, ChatToolMode? Mode) Tools(ChatCompletionRequest wire)
    {
        JsonElement? choice = wire.ToolChoice is { ValueKind: not JsonValueKind.Null } given ? given : null;
        if (wire.Tools is not { ValueKind: not JsonValueKind.Null } tools)
            return choice is null ? (null, null) : throw Bad("\"tool_choice\" needs \"tools\" to choose from.");
        if (tools.ValueKind != JsonValueKind.Array || tools.GetArrayLength() == 0)
            throw Bad("\"tools\" must be a non-empty array of {\"type\": \"function\", \"function\": {\"name\", \"description\", \"parameters\"}}.");
        List<AITool> declared = [.. tools.EnumerateArray().Select((tool, i) => Tool(tool, $"tools[{i}]"))];
        return (declared, choice is { } chosen ? ToolMode(chosen, declared) : null);
    }

    private static readonly JsonElement NoParameters = JsonDocument.Parse("{\"type\": \"object\", \"properties\": {}}").RootElement;

    private AIFunctionDeclaration Tool(JsonElement tool, string field)
    {
        if (tool.StringOrNull("type") != "function" || tool.Member("function") is not { ValueKind: JsonValueKind.Object } function)
            throw Bad($"\"{field}\" must be {{\"type\": \"function\", \"function\": {{\"name\", \"description\", \"parameters\"}}}}; only function tools are supported.");
        if (function.StringOrNull("name") is not { Length: > 0 } name)
            throw Bad($"\"{field}.function.name\" must be a non-empty string.");
        if (function.Member("description") is { ValueKind: not JsonValueKind.String })
            throw Bad($"\"{field}.function.description\" must be a string.");
        if (function.Member("parameters") is { ValueKind: not JsonValueKind.Object })
            throw Bad($"\"{field}.function.parameters\" must be a JSON Schema object.");
        if (function.BoolOrNull("strict") is true)
            throw Bad($"\"{field}.function.strict\" is not supported by this server; send the tool without it.");
        return AIFunctionFactory.CreateDeclaration(name, function.StringOrNull("description"), function.Member("parameters")?.Clone() ?? NoParameters);
    }

    private ChatToolMode ToolMode(JsonElement choice, List<AITool> tools) =>
        (choice.ValueKind == JsonValueKind.String ? choice.GetString() : null) switch
        {
            "auto" => ChatToolMode.Auto,
            "none" => ChatToolMode.None,
            "required" => ChatToolMode.RequireAny,
            null when choice.StringOrNull("type") == "function" && choice.Member("function")?.StringOrNull("name") is { } name
                      && tools.Any(t => t.Name == name) => ChatToolMode.RequireSpecific(name),
            _ => throw Bad("\"tool_choice\" must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"function\": {\"name\"}} naming one of the tools."),
        };

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
                throw Bad(
                    "\"response_format\" must be {\"type\": \"text\"}, {\"type\": \"json_object\"} or {\"type\": \"json_schema\", \"json_schema\": {\"name\", \"schema\"}}.");
        }
    }

    public override bool WantsStream(ChatCompletionRequest wire, HttpContext http) => wire.Stream == true;

    /// <summary>
    /// OpenAI stream chunks; the last carries the finish reason; with stream_options.include_usage a
    /// chunk with no choices and the usage follows, as OpenAI sends it; then [DONE].
    /// </summary>
    public override IResult Stream(IAsyncEnumerable<InferenceUpdate<ChatDelta>> updates, ChatRequest request, CancellationToken ct)
    {
        var (id, created, model) = Identity(request);
        string? finishReason = null; // the provider's, from the piece that ended the answer
        var toolCalls = 0; // each call's index in the answer
        var chunks = updates.Translate<InferenceUpdate<ChatDelta>, string[]?>(
            update =>
            {
                if (update.Partial?.FinishReason is { } reason)
                    finishReason = reason;
                return update.Kind switch
                {
                    UpdateKind.Partial when update.Partial!.Text.Length > 0 || update.Partial.ToolCalls is not null || update.Partial.Notice is not null =>
                        [Chunk([new ChatCompletionChoice(0, Delta: new ChatCompletionDelta(
                            update.Partial.Text.Length > 0 ? update.Partial.Text : null,
                            update.Partial.ToolCalls?.Select(call => ToWire(call, toolCalls++)).ToList()))], null, update.Partial.Notice)],
                    UpdateKind.Final => request.IncludeUsage
                        ? [Chunk([FinalChoice()], update.Provenance), Chunk([], update.Provenance, usage: true)]
                        : [Chunk([FinalChoice()], update.Provenance)],
                    _ => null,
                };
            },
            error => [JsonSerializer.Serialize(ErrorBody(InferenceProblems.StatusCodeFor(error.Kind), error.Message), InferenceJsonContext.Default.OpenAIError)],
            ct);
        return TypedResults.ServerSentEvents(WithDone(chunks));

        ChatCompletionChoice FinalChoice() => new(0, Delta: new ChatCompletionDelta(), FinishReason: finishReason ?? "stop");

        string Chunk(IReadOnlyList<ChatCompletionChoice> choices, Provenance? provenance, string? notice = null, bool usage = false) => JsonSerializer.Serialize(
            new ChatCompletion(id, "chat.completion.chunk", created, provenance?.Model ?? model, choices, usage ? Usage(provenance) : null, provenance?.Provider, provenance?.Failover, notice),
            InferenceJsonContext.Default.ChatCompletion);
    }

    private static async IAsyncEnumerable<string> WithDone(IAsyncEnumerable<string[]?> chunks)
    {
        await foreach (var group in chunks)
        {
            foreach (var chunk in group ?? [])
                yield return chunk;
        }
        yield return "[DONE]";
    }

    public override IResult Complete(IReadOnlyList<ChatDelta> items, Provenance? provenance, ChatRequest request, HttpContext http)
    {
        var (id, created, model) = Identity(request);
        if (provenance is not null)
            TaskHttp.WriteProvenanceHeaders(http, provenance);
        var text = string.Concat(items.Select(d => d.Text));
        List<ChatCompletionToolCall> calls = [.. items.SelectMany(d => d.ToolCalls ?? []).Select(call => ToWire(call, null))];
        // As OpenAI answers: content null when the model only called tools.
        var message = calls.Count == 0 ? new ChatCompletionMessage("assistant", new ChatContent(text))
            : new ChatCompletionMessage("assistant", text.Length == 0 ? null : new ChatContent(text), calls);
        return Results.Json(new ChatCompletion(id, "chat.completion", created, provenance?.Model ?? model,
            [new ChatCompletionChoice(0, Message: message, FinishReason: FinishReason(items))], Usage(provenance), provenance?.Provider, provenance?.Failover,
            items.FirstOrDefault(d => d.Notice is not null)?.Notice),
            InferenceJsonContext.Default.ChatCompletion);
    }

    /// <param name="index">In a stream's delta: the call's place in the answer; null in a whole message.</param>
    private static ChatCompletionToolCall ToWire(ChatFunctionCall call, int? index) =>
        new(index, call.Id, "function", new ChatCompletionFunctionCall(call.Name, call.Arguments));

    /// <summary>The provider's finish reason ("length", "tool_calls", "content_filter", ...); "stop" when it gave none.</summary>
    private static string FinishReason(IReadOnlyList<ChatDelta> items) => items.LastOrDefault(d => d.FinishReason is not null)?.FinishReason ?? "stop";

    public override IResult Error(int status, string message, TimeSpan? retryAfter = null) => OpenAIErrorResult(status, message, retryAfter);

    /// <summary>An error in OpenAI's shape, for every /v1 endpoint.</summary>
    public static IResult OpenAIErrorResult(int status, string message, TimeSpan? retryAfter = null) =>
        InferenceProblems.WithRetryAfter(Results.Json(ErrorBody(status, message), InferenceJsonContext.Default.OpenAIError, statusCode: status), retryAfter);

    /// <summary>
    /// The answer's id, time and model. The model is the one the request named, else the one the
    /// task runs when none is named (the first of its models: a local one when there is one); once
    /// the answer is done, the model that gave it (a failover may have answered with another).
    /// </summary>
    private (string Id, long Created, string Model) Identity(ChatRequest request) =>
        ("chatcmpl-" + Guid.NewGuid().ToString("N")[..24], DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            request.Model ?? chat.Models.FirstOrDefault() ?? options.Value.DefaultModel);

    private static ChatCompletionUsage? Usage(Provenance? provenance) => provenance is null ? null
        : new(provenance.TokensIn ?? 0, provenance.TokensOut ?? 0, (provenance.TokensIn ?? 0) + (provenance.TokensOut ?? 0));

    private static OpenAIError ErrorBody(int status, string message) => new(new OpenAIErrorBody(message, status switch
    {
        StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge or StatusCodes.Status422UnprocessableEntity
            or StatusCodes.Status405MethodNotAllowed => "invalid_request_error",
        StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden => "authentication_error",
        StatusCodes.Status404NotFound => "not_found_error",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        StatusCodes.Status402PaymentRequired => "insufficient_quota",
        _ => "api_error",
    }, status));
}
