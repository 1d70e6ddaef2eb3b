using System.Net.ServerSentEvents;
using System.Text.Json;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Api;

/// <summary>
/// The Hugging Face Inference API wire format over this app's models:
/// <c>POST /models/{org}/{name}</c>, or router-style <c>POST /{provider}/models/{org}/{name}</c>
/// where provider is <c>local</c>, <c>auto</c> or a provider's name (failing over as the page does), with
/// <c>{"inputs": "text" | ["t1", "t2"], "parameters": {"top_k": n}}</c>, answering one
/// <c>[{"label", "score"}, ...]</c> list per input, as the hf-inference server does. With
/// <c>Accept: text/event-stream</c> the same call streams its updates as server-sent events.
/// </summary>
public static class InferenceApi
{
    public static void MapInferenceApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/models", (TextClassificationService textClassification) =>
            textClassification.AvailableModels.Select(id => new
            {
                id,
                pipeline_tag = TextClassificationService.Task,
                local = textClassification.LocalModels.Contains(id),
            }));

        app.MapPost("/models/{org}/{name}", (string org, string name, HttpContext context,
                TextClassificationService service, CancellationToken ct) =>
                RunAsync($"{org}/{name}", null, context, service, ct))
            .DisableAntiforgery();
        app.MapPost("/{provider}/models/{org}/{name}", (string provider, string org, string name, HttpContext context,
                TextClassificationService service, CancellationToken ct) =>
                RunAsync($"{org}/{name}", provider, context, service, ct))
            .DisableAntiforgery();
    }

    private static async Task<IResult> RunAsync(string model, string? provider, HttpContext context, TextClassificationService service, CancellationToken ct)
    {
        TextClassificationRequest request;
        try
        {
            request = await ReadRequestAsync(context.Request, model, ct) with { Provider = provider };
        }
        catch (JsonException ex)
        {
            return InferenceProblems.Problem(StatusCodes.Status400BadRequest, $"The request body is not valid JSON: {ex.Message}");
        }
        catch (BadHttpRequestException ex)
        {
            return InferenceProblems.Problem(ex.StatusCode, ex.Message);
        }

        IAsyncEnumerable<InferenceUpdate<ClassifiedText>> stream;
        try
        {
            stream = service.ClassifyAsync(request, ct); // validates before anything is sent
        }
        catch (InferenceException ex)
        {
            return InferenceProblems.From(ex);
        }

        if (context.Request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true))
            return TypedResults.ServerSentEvents(AsEvents(stream, ct));

        var results = new List<ClassifiedText>(request.Inputs.Count);
        Provenance? provenance = null;
        try
        {
            await foreach (var update in stream.WithCancellation(ct))
            {
                if (update.Partial is { } item)
                    results.Add(item);
                provenance = update.Provenance ?? provenance;
            }
        }
        catch (InferenceException ex)
        {
            return InferenceProblems.From(ex);
        }

        if (provenance is not null)
        {
            context.Response.Headers["x-inference-provider"] = provenance.Provider;
            context.Response.Headers["x-webdemo-model"] = provenance.Model;
            context.Response.Headers["Server-Timing"] = $"inference;dur={provenance.TotalMs:0.0}";
        }
        return Results.Json(results.OrderBy(r => r.Index).Select(r => r.Labels));
    }

    /// <summary>Reads the HF task body, with a precise message for every way it can be wrong.</summary>
    private static async Task<TextClassificationRequest> ReadRequestAsync(HttpRequest http, string model, CancellationToken ct)
    {
        if (http.ContentLength is 0)
            throw new BadHttpRequestException("The request body is empty; send {\"inputs\": \"some text\"}.", 422);
        using var doc = await JsonDocument.ParseAsync(http.Body, cancellationToken: ct);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new BadHttpRequestException("The body must be a JSON object: {\"inputs\": ..., \"parameters\": {...}}.", 422);
        if (!root.TryGetProperty("inputs", out var inputs))
            throw new BadHttpRequestException("The body has no \"inputs\": send a string or an array of strings.", 422);

        List<string> texts = inputs.ValueKind switch
        {
            JsonValueKind.String => [inputs.GetString()!],
            JsonValueKind.Array when inputs.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
                inputs.EnumerateArray().Select(e => e.GetString()!).ToList(),
            _ => throw new BadHttpRequestException("\"inputs\" must be a string or an array of strings.", 422),
        };

        int? topK = null;
        if (root.TryGetProperty("parameters", out var parameters) && parameters.ValueKind != JsonValueKind.Null)
        {
            if (parameters.ValueKind != JsonValueKind.Object)
                throw new BadHttpRequestException("\"parameters\" must be an object.", 422);
            if (parameters.TryGetProperty("top_k", out var k) && k.ValueKind != JsonValueKind.Null)
                topK = k.ValueKind == JsonValueKind.Number && k.TryGetInt32(out var value) && value >= 1
                    ? value
                    : throw new BadHttpRequestException("\"parameters.top_k\" must be a whole number of at least 1.", 422);
            if (parameters.TryGetProperty("function_to_apply", out var function) && function.ValueKind != JsonValueKind.Null)
                throw new BadHttpRequestException("\"parameters.function_to_apply\" is not supported here; scores use the model's own function (softmax, or sigmoid for multi-label models).", 422);
        }
        return new TextClassificationRequest(texts, model, topK);
    }

    /// <summary>Each update as an event named by its kind; an error ends the stream with an "error" event.</summary>
    private static IAsyncEnumerable<SseItem<object>> AsEvents(IAsyncEnumerable<InferenceUpdate<ClassifiedText>> stream, CancellationToken ct) =>
        stream.Translate(
            update => new SseItem<object>(update, update.Kind.ToString().ToLowerInvariant()),
            error => new SseItem<object>(new { error = error.Message, status = InferenceProblems.StatusCodeFor(error.Kind) }, "error"),
            ct);
}
