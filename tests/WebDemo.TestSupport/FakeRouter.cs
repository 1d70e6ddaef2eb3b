using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using WebDemo.Inference.Json;

namespace WebDemo.TestSupport;

/// <summary>What the fake router does with one request instead of answering it well.</summary>
public abstract record Fault
{
    /// <summary>Answer this status, with optional headers and body.</summary>
    public sealed record Status(int Code, string? Body = null, params (string Name, string Value)[] Headers) : Fault;

    /// <summary>Wait this long before sending anything.</summary>
    public sealed record SlowFirstByte(TimeSpan Delay) : Fault;

    /// <summary>Drop the connection without an answer.</summary>
    public sealed record Reset : Fault;

    /// <summary>Answer 200 with a body that is not JSON.</summary>
    public sealed record MalformedJson : Fault;

    /// <summary>Answer 200 with JSON of the wrong shape.</summary>
    public sealed record WrongShape : Fault;

    /// <summary>Chat: send this many chunks, then nothing for this long.</summary>
    public sealed record StallAfter(int Chunks, TimeSpan Delay) : Fault;

    /// <summary>Chat: send this many chunks, then drop the connection.</summary>
    public sealed record ResetAfter(int Chunks) : Fault;

    /// <summary>Chat: answer well, but end with this finish_reason ("length", "tool_calls", "content_filter") instead of "stop".</summary>
    public sealed record FinishWith(string Reason) : Fault;

    /// <summary>Chat: send this many chunks, then half a line, then close cleanly (no finish, no [DONE]).</summary>
    public sealed record TruncateAfter(int Chunks) : Fault;
}

/// <summary>One request the router received.</summary>
public sealed record RouterRequest(string Provider, string Model, string? Authorization, string Body);

/// <summary>
/// A stand-in for router.huggingface.co and the Hub API on a real loopback port: model provider
/// mappings (<c>/api/models/{id}?expand[]=inferenceProviderMapping</c>) and the task endpoints
/// (<c>POST /{provider}/models/{id}</c>), with faults queued per provider.
/// A text with "good", "love", "great" or "wonderful" in it is POSITIVE; others NEGATIVE.
/// </summary>
public sealed class FakeRouter : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Fault>> _faults = new();
    private readonly ConcurrentDictionary<string, Fault> _always = new();

    public ConcurrentQueue<RouterRequest> Requests { get; } = new();

    /// <summary>
    /// The reads of <c>GET /v1/models</c> (the router's catalogue, or an OpenAI-compatible server's
    /// model list), apart from <see cref="Requests"/>: the app reads the catalogue for prices whenever a
    /// cloud call ends, so a test of the calls sees only the calls.
    /// </summary>
    public ConcurrentQueue<RouterRequest> ModelsRequests { get; } = new();

    /// <summary>Every request, Hub API and router alike, with its headers.</summary>
    public ConcurrentQueue<HubRequest> Seen { get; } = new();

    /// <summary>Model id → providers that serve it, in order.</summary>
    public ConcurrentDictionary<string, string[]> Mapping { get; } = new();

    /// <summary>Provider → its status in every mapping ("staging", "error"); live unless set.</summary>
    public ConcurrentDictionary<string, string> ProviderStatus { get; } = new();

    /// <summary>Model id → its task in the mapping; text-classification unless set.</summary>
    public ConcurrentDictionary<string, string> Tasks { get; } = new();

    public string Url { get; }

    /// <summary>
    /// What <c>GET /v1/models</c> lists, as an OpenAI-compatible server (Ollama, vLLM) answers it; faults
    /// queued for <see cref="ModelsFaults"/> apply. Its <c>/v1/chat/completions</c> then serves as that server's.
    /// </summary>
    public ConcurrentQueue<string> ServedModels { get; } = new();

    /// <summary>
    /// The router's own catalogue in <c>GET /v1/models</c>: model id → its provider entries as the router
    /// writes them (<c>{"provider", "status", "context_length", "pricing", "throughput", ...}</c>), listed
    /// after <see cref="ServedModels"/>. <see cref="Fault.MalformedJson"/> queued for <see cref="ModelsFaults"/> cuts the list short.
    /// </summary>
    public ConcurrentDictionary<string, object[]> Catalogue { get; } = new(StringComparer.Ordinal);

    /// <summary>The provider name under which faults for <c>GET /v1/models</c> are queued.</summary>
    public const string ModelsFaults = "models";

    /// <summary>A 1×1 PNG, the image hf-inference's text-to-image answers here (the image providers' own shapes have their own fake, in the cloud tests).</summary>
    public static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private FakeRouter(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The next requests to this provider meet these faults, one each, then it answers well.</summary>
    public void Enqueue(string provider, params Fault[] faults)
    {
        var queue = _faults.GetOrAdd(provider, _ => new ConcurrentQueue<Fault>());
        foreach (var fault in faults)
            queue.Enqueue(fault);
    }

    /// <summary>Every request to this provider meets this fault until <see cref="Heal"/>.</summary>
    public void Break(string provider, Fault fault) => _always[provider] = fault;

    public void Heal(string provider) => _always.TryRemove(provider, out _);

    public int CountFor(string provider) => (provider == ModelsFaults ? ModelsRequests : Requests).Count(r => r.Provider == provider);

    public static async Task<FakeRouter> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeRouter? router = null;
        app.Use(async (context, next) =>
        {
            router!.Seen.Enqueue(HubRequest.From(context.Request));
            await next();
        });

        app.MapGet("/api/models/{org}/{name}", (string org, string name) =>
        {
            var id = $"{org}/{name}";
            if (!router!.Mapping.TryGetValue(id, out var providers))
                return Results.Json(new { error = "Repository not found" }, statusCode: 404);
            var task = router.Tasks.GetValueOrDefault(id, "text-classification");
            var mapping = providers.ToDictionary(p => p, p => new { status = router.ProviderStatus.GetValueOrDefault(p, "live"), providerId = id, task });
            return Results.Json(new { _id = "x", id, inferenceProviderMapping = mapping });
        });

        app.MapPost("/{provider}/models/{org}/{name}", async (string provider, string org, string name, HttpContext context) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            router!.Requests.Enqueue(new RouterRequest(provider, $"{org}/{name}", context.Request.Headers.Authorization.ToString(), body));
            var fault = router.NextFault(provider);
            if (await ApplyCommonFaultAsync(fault, context, code => new { error = $"fake {code}" }))
                return;
            switch (fault)
            {
                case Fault.MalformedJson:
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync("[[{\"label\": \"POSITIVE\", \"score\": 0.9");
                    return;
                case Fault.WrongShape:
                    await context.Response.WriteAsJsonAsync(new { generated_text = "not a classification" });
                    return;
            }
            using var doc = JsonDocument.Parse(body);
            context.Response.Headers["x-inference-provider"] = provider;
            var inputs = doc.RootElement.GetProperty("inputs");
            switch (router.Tasks.GetValueOrDefault($"{org}/{name}", "text-classification"))
            {
                case "summarization":
                    await context.Response.WriteAsJsonAsync(new[] { new { summary_text = "Summary: " + inputs.GetString()![..Math.Min(20, inputs.GetString()!.Length)] } });
                    return;
                case "translation":
                    await context.Response.WriteAsJsonAsync(new[] { new { translation_text = "Bonjour: " + inputs.GetString() } });
                    return;
                case "token-classification":
                    await context.Response.WriteAsJsonAsync(new[] { new { entity_group = "PER", score = 0.99, word = "Angela Merkel", start = 0, end = 13 } });
                    return;
                case "question-answering":
                    var contextText = inputs.GetProperty("context").GetString()!;
                    var at = contextText.IndexOf("Paris", StringComparison.Ordinal);
                    await context.Response.WriteAsJsonAsync(new { answer = "Paris", score = 0.93, start = at, end = at + 5 });
                    return;
                case "zero-shot-classification":
                    // The older hf-inference shape; the client accepts both.
                    await context.Response.WriteAsJsonAsync(new { sequence = inputs.GetString(), labels = new[] { "sports", "politics" }, scores = new[] { 0.8, 0.2 } });
                    return;
                case "text-to-image":
                    context.Response.ContentType = "image/png";
                    await context.Response.Body.WriteAsync(Png);
                    return;
            }
            var text = inputs.GetString() ?? "";
            var positive = new[] { "good", "love", "great", "wonderful" }.Any(w => text.Contains(w, StringComparison.OrdinalIgnoreCase));
            await context.Response.WriteAsJsonAsync(new[]
            {
                new[]
                {
                    new { label = positive ? "POSITIVE" : "NEGATIVE", score = 0.98 },
                    new { label = positive ? "NEGATIVE" : "POSITIVE", score = 0.02 },
                },
            });
        });

        app.MapGet("/v1/models", async (HttpContext context) =>
        {
            router!.ModelsRequests.Enqueue(new RouterRequest(ModelsFaults, "", context.Request.Headers.Authorization.ToString(), ""));
            var fault = router.NextFault(ModelsFaults);
            if (await ApplyCommonFaultAsync(fault, context, code => new { error = new { message = $"fake {code}" } }))
                return;
            if (fault is Fault.MalformedJson)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"object\": \"list\", \"data\": [{\"id\": \"org/");
                return;
            }
            await context.Response.WriteAsJsonAsync(new
            {
                @object = "list",
                data = router.ServedModels.Select(id => new Dictionary<string, object>
                    {
                        ["id"] = id, ["object"] = "model", ["created"] = 1_700_000_000, ["owned_by"] = "library",
                    })
                    .Concat(router.Catalogue.Select(model => new Dictionary<string, object>
                    {
                        ["id"] = model.Key, ["object"] = "model", ["created"] = 1_700_000_000, ["owned_by"] = "org", ["providers"] = model.Value,
                    })),
            });
        });

        app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            using var doc = JsonDocument.Parse(body);
            var model = doc.RootElement.GetProperty("model").GetString() ?? "";
            var colon = model.LastIndexOf(':');
            var suffix = colon < 0 ? "" : model[(colon + 1)..];
            var provider = suffix is "" or "fastest" or "cheapest" ? "auto" : suffix;
            router!.Requests.Enqueue(new RouterRequest(provider, model, context.Request.Headers.Authorization.ToString(), body));
            var fault = router.NextFault(provider);
            if (await ApplyCommonFaultAsync(fault, context, code => new { error = new { message = $"fake {code}" } }))
                return;

            var servedBy = provider == "auto" ? router.Mapping.GetValueOrDefault(ChatModelOf(model))?.FirstOrDefault() ?? "auto" : provider;
            context.Response.Headers["x-inference-provider"] = servedBy;
            // "Repeat after me: X" is answered with X, in pieces of 8 characters (to stream what a test needs, Markdown or worse).
            var asked = LastUserText(doc.RootElement);
            string[] words = asked?.StartsWith(RepeatAfterMe, StringComparison.Ordinal) == true
                ? asked[RepeatAfterMe.Length..].Chunk(8).Select(piece => new string(piece)).ToArray()
                : ["Hello", " from", $" {servedBy}", "!"];
            // With tools, a question about the weather calls the first tool, its arguments split over chunks as OpenAI streams them.
            var tool = ToolCalledBy(doc.RootElement);
            const string CallId = "call_fake1";
            string[] arguments = ["{\"city\": ", "\"Paris\"}"];
            var deltas = tool is null
                ? words.Select(word => new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = word }).ToList()
                :
                [
                    new() { ["role"] = "assistant", ["tool_calls"] = new[] { new { index = 0, id = CallId, type = "function", function = new { name = tool, arguments = "" } } } },
                    .. arguments.Select(part => new Dictionary<string, object?> { ["tool_calls"] = new[] { new { index = 0, function = new { arguments = part } } } }),
                ];
            var finishReason = (fault as Fault.FinishWith)?.Reason ?? (tool is null ? "stop" : "tool_calls");
            var usage = new { prompt_tokens = 7, completion_tokens = deltas.Count, total_tokens = 7 + deltas.Count };
            if (!(doc.RootElement.BoolOrNull("stream") ?? false))
            {
                var message = tool is null
                    ? new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = string.Concat(words) }
                    : new Dictionary<string, object?>
                    {
                        ["role"] = "assistant", ["content"] = null,
                        ["tool_calls"] = new[] { new { id = CallId, type = "function", function = new { name = tool, arguments = string.Concat(arguments) } } },
                    };
                await context.Response.WriteAsJsonAsync(new Dictionary<string, object?>
                {
                    ["id"] = "chatcmpl-fake", ["object"] = "chat.completion", ["created"] = 1_700_000_000, ["model"] = model,
                    ["choices"] = new[] { new Dictionary<string, object?> { ["index"] = 0, ["message"] = message, ["finish_reason"] = finishReason } },
                    ["usage"] = usage,
                });
                return;
            }
            context.Response.ContentType = "text/event-stream";
            for (var i = 0; i <= deltas.Count; i++)
            {
                if (fault is Fault.StallAfter stall && i == stall.Chunks)
                    await Task.Delay(stall.Delay, context.RequestAborted).ContinueWith(_ => { });
                if (fault is Fault.ResetAfter reset && i == reset.Chunks)
                {
                    await Task.Delay(200); // let the client read what was sent: a reset discards unread data
                    context.Abort();
                    return;
                }
                if (fault is Fault.TruncateAfter truncate && i == truncate.Chunks)
                {
                    await context.Response.WriteAsync("data: {\"id\":\"c1\",\"obj");
                    return;
                }
                if (context.RequestAborted.IsCancellationRequested)
                    return;
                var last = i == deltas.Count;
                var chunk = new Dictionary<string, object?>
                {
                    ["id"] = "chatcmpl-fake",
                    ["object"] = "chat.completion.chunk",
                    ["created"] = 1_700_000_000,
                    ["model"] = model,
                    ["choices"] = new[]
                    {
                        new Dictionary<string, object?>
                        {
                            ["index"] = 0,
                            ["delta"] = last ? new Dictionary<string, object?>() : deltas[i],
                            ["finish_reason"] = last ? finishReason : null,
                        },
                    },
                };
                if (last)
                    chunk["usage"] = usage;
                await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(chunk) + "\n\n");
                await context.Response.Body.FlushAsync();
            }
            await context.Response.WriteAsync("data: [DONE]\n\n");
        });

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        router = new FakeRouter(app, address);
        return router;
    }

    /// <summary>The fault for this request: a standing one, else the next queued one, else none.</summary>
    private Fault? NextFault(string provider) =>
        _always.TryGetValue(provider, out var always) ? always
        : _faults.TryGetValue(provider, out var queue) && queue.TryDequeue(out var next) ? next
        : null;

    /// <summary>The faults every endpoint shares; true when the request has been answered (or dropped) by one.</summary>
    private static async Task<bool> ApplyCommonFaultAsync(Fault? fault, HttpContext context, Func<int, object> errorBody)
    {
        switch (fault)
        {
            case Fault.Status status:
                foreach (var (header, value) in status.Headers)
                    context.Response.Headers[header] = value;
                context.Response.StatusCode = status.Code;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(status.Body ?? JsonSerializer.Serialize(errorBody(status.Code)));
                return true;
            case Fault.SlowFirstByte slow:
                await Task.Delay(slow.Delay, context.RequestAborted).ContinueWith(_ => { });
                return context.RequestAborted.IsCancellationRequested;
            case Fault.Reset:
                context.Abort();
                return true;
            default:
                return context.RequestAborted.IsCancellationRequested;
        }
    }

    /// <summary>A chat message that starts so is answered with the rest of it, word for word.</summary>
    public const string RepeatAfterMe = "Repeat after me: ";

    /// <summary>The tool a chat request calls: its first tool, when it has tools and its last user message asks about the weather.</summary>
    private static string? ToolCalledBy(JsonElement request)
    {
        if (request.Member("tools") is not { ValueKind: JsonValueKind.Array } tools || tools.GetArrayLength() == 0)
            return null;
        return LastUserText(request)?.Contains("weather", StringComparison.OrdinalIgnoreCase) == true ? tools[0].GetProperty("function").GetProperty("name").GetString() : null;
    }

    private static string? LastUserText(JsonElement request)
    {
        var lastUser = request.GetProperty("messages").EnumerateArray().LastOrDefault(m => m.StringOrNull("role") == "user");
        var content = lastUser.Member("content");
        return content?.ValueKind == JsonValueKind.Array
            ? string.Concat(content.Value.EnumerateArray().Select(p => p.StringOrNull("text")))
            : content?.GetString();
    }

    private static string ChatModelOf(string routed) =>
        routed.LastIndexOf(':') is var colon and >= 0 ? routed[..colon] : routed;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
