using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Api;

/// <summary>
/// OpenAI-compatible chat completions (<c>POST /v1/chat/completions</c>), so the OpenAI SDKs can
/// use the app: a thin adapter over <see cref="ChatService"/>. As on the HF router, the model may
/// carry a provider (<c>model:provider</c>) or a policy (<c>:fastest</c>, <c>:cheapest</c>).
/// Errors use OpenAI's <c>{"error": {"message", "type", "code"}}</c> shape.
/// </summary>
public static class ChatCompletionsApi
{
    public static void MapChatCompletionsApi(this IEndpointRouteBuilder app) =>
        app.MapPost("/v1/chat/completions", HandleAsync).DisableAntiforgery();

    private static async Task<IResult> HandleAsync(HttpContext context, ChatService chat, CancellationToken ct)
    {
        ChatRequest request;
        bool stream;
        try
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: ct);
            (request, stream) = Parse(doc.RootElement);
        }
        catch (JsonException ex)
        {
            return Error(400, $"The request body is not valid JSON: {ex.Message}", "invalid_request_error");
        }
        catch (BadHttpRequestException ex)
        {
            return Error(400, ex.Message, "invalid_request_error");
        }

        IAsyncEnumerable<InferenceUpdate<ChatDelta>> updates;
        try
        {
            updates = chat.StreamAsync(request, ct);
        }
        catch (InferenceException ex)
        {
            return Error(ex);
        }

        var id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var model = request.Model ?? chat.Options.DefaultModel;
        if (stream)
            return TypedResults.ServerSentEvents(AsChunks(updates, id, created, model, ct));

        var text = new System.Text.StringBuilder();
        Provenance? provenance = null;
        try
        {
            await foreach (var update in updates.WithCancellation(ct))
            {
                if (update.Partial is { } delta)
                    text.Append(delta.Text);
                provenance = update.Provenance ?? provenance;
            }
        }
        catch (InferenceException ex)
        {
            return Error(ex);
        }
        context.Response.Headers["x-inference-provider"] = provenance?.Provider;
        return Results.Json(new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text.ToString() },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = Usage(provenance),
            ["provider"] = provenance?.Provider,
        });
    }

    /// <summary>OpenAI stream chunks; the last carries the finish reason and usage; then [DONE].</summary>
    private static async IAsyncEnumerable<string> AsChunks(
        IAsyncEnumerable<InferenceUpdate<ChatDelta>> updates, string id, long created, string model,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var chunks = updates.Translate(
            update => update.Kind switch
            {
                UpdateKind.Partial when update.Partial!.Text.Length > 0 => Chunk(id, created, model, new JsonObject { ["content"] = update.Partial.Text }, null, null),
                UpdateKind.Final => Chunk(id, created, model, new JsonObject(), "stop", update.Provenance),
                _ => null,
            },
            error => new JsonObject { ["error"] = ErrorBody(error.Message, TypeOf(error.Kind), InferenceProblems.StatusCodeFor(error.Kind)) }.ToJsonString(),
            ct);
        await foreach (var chunk in chunks)
        {
            if (chunk is not null)
                yield return chunk;
        }
        yield return "[DONE]";
    }

    private static string Chunk(string id, long created, string model, JsonObject delta, string? finish, Provenance? provenance)
    {
        var chunk = new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
        };
        if (provenance is not null)
        {
            chunk["usage"] = Usage(provenance);
            chunk["provider"] = provenance.Provider;
        }
        return chunk.ToJsonString();
    }

    private static JsonObject? Usage(Provenance? provenance) => provenance is null ? null : new JsonObject
    {
        ["prompt_tokens"] = provenance.TokensIn ?? 0,
        ["completion_tokens"] = provenance.TokensOut ?? 0,
        ["total_tokens"] = (provenance.TokensIn ?? 0) + (provenance.TokensOut ?? 0),
    };

    private static (ChatRequest, bool Stream) Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new BadHttpRequestException("The body must be a JSON object with \"model\" and \"messages\".");
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            throw new BadHttpRequestException("\"messages\" must be an array of {role, content}.");

        var list = new List<ChatMessage>();
        foreach (var message in messages.EnumerateArray())
        {
            var role = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String
                ? r.GetString()! : throw new BadHttpRequestException("Each message needs a string \"role\".");
            if (role is not ("system" or "user" or "assistant" or "developer"))
                throw new BadHttpRequestException($"Unknown role '{role}'; use system, user or assistant.");
            list.Add(new ChatMessage(role == "developer" ? ChatRole.System : new ChatRole(role), ContentText(message)));
        }

        string? model = null, provider = null;
        if (root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String && m.GetString() is { Length: > 0 } named)
        {
            var colon = named.LastIndexOf(':');
            var suffix = colon < 0 ? null : named[(colon + 1)..];
            model = suffix is null ? named : named[..colon];
            provider = suffix is null or "fastest" or "cheapest" ? ProviderNames.Auto : suffix;
        }

        var options = new ChatOptions
        {
            MaxOutputTokens = Int(root, "max_completion_tokens") ?? Int(root, "max_tokens"),
            Temperature = Float(root, "temperature"),
            TopP = Float(root, "top_p"),
        };
        if (root.TryGetProperty("stop", out var stop))
            options.StopSequences = stop.ValueKind switch
            {
                JsonValueKind.String => [stop.GetString()!],
                JsonValueKind.Array => stop.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.String).Select(s => s.GetString()!).ToList(),
                _ => null,
            };
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        return (new ChatRequest(list, model, provider, options), stream);
    }

    /// <summary>"content" is a string or a list of parts; the text parts are joined.</summary>
    private static string ContentText(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
            return "";
        return content.ValueKind switch
        {
            JsonValueKind.String => content.GetString()!,
            JsonValueKind.Array => string.Concat(content.EnumerateArray()
                .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("type", out var t) && t.GetString() == "text")
                .Select(p => p.TryGetProperty("text", out var text) ? text.GetString() : "")),
            _ => throw new BadHttpRequestException("\"content\" must be a string or a list of parts."),
        };
    }

    private static int? Int(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static float? Float(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetSingle() : null;

    private static IResult Error(InferenceException error) =>
        Error(InferenceProblems.StatusCodeFor(error.Kind), error.Message, TypeOf(error.Kind));

    private static IResult Error(int status, string message, string type) =>
        Results.Json(new JsonObject { ["error"] = ErrorBody(message, type, status) }, statusCode: status);

    private static JsonObject ErrorBody(string message, string type, int status) =>
        new() { ["message"] = message, ["type"] = type, ["code"] = status };

    private static string TypeOf(InferenceErrorKind kind) => kind switch
    {
        InferenceErrorKind.InvalidInput => "invalid_request_error",
        InferenceErrorKind.Unauthorized => "authentication_error",
        InferenceErrorKind.ModelNotFound => "not_found_error",
        InferenceErrorKind.RateLimited => "rate_limit_error",
        InferenceErrorKind.PaymentRequired => "insufficient_quota",
        _ => "api_error",
    };
}
