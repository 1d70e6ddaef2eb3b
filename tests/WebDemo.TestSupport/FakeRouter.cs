using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

    /// <summary>Model id → providers that serve it for text-classification, in order.</summary>
    public ConcurrentDictionary<string, string[]> Mapping { get; } = new();

    public string Url { get; }

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

    public int CountFor(string provider) => Requests.Count(r => r.Provider == provider);

    public static async Task<FakeRouter> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeRouter? router = null;

        app.MapGet("/api/models/{org}/{name}", (string org, string name) =>
        {
            var id = $"{org}/{name}";
            if (!router!.Mapping.TryGetValue(id, out var providers))
                return Results.Json(new { error = "Repository not found" }, statusCode: 404);
            var mapping = providers.ToDictionary(p => p, p => new { status = "live", providerId = id, task = "text-classification" });
            return Results.Json(new { _id = "x", id, inferenceProviderMapping = mapping });
        });

        app.MapPost("/{provider}/models/{org}/{name}", async (string provider, string org, string name, HttpContext context) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            router!.Requests.Enqueue(new RouterRequest(provider, $"{org}/{name}", context.Request.Headers.Authorization.ToString(), body));
            var fault = router._always.TryGetValue(provider, out var always) ? always
                : router._faults.TryGetValue(provider, out var queue) && queue.TryDequeue(out var next) ? next
                : null;
            switch (fault)
            {
                case Fault.Status status:
                    foreach (var (header, value) in status.Headers)
                        context.Response.Headers[header] = value;
                    context.Response.StatusCode = status.Code;
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(status.Body ?? JsonSerializer.Serialize(new { error = $"fake {status.Code}" }));
                    return;
                case Fault.SlowFirstByte slow:
                    await Task.Delay(slow.Delay, context.RequestAborted).ContinueWith(_ => { });
                    break;
                case Fault.Reset:
                    context.Abort();
                    return;
                case Fault.MalformedJson:
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync("[[{\"label\": \"POSITIVE\", \"score\": 0.9");
                    return;
                case Fault.WrongShape:
                    await context.Response.WriteAsJsonAsync(new { generated_text = "not a classification" });
                    return;
            }
            if (context.RequestAborted.IsCancellationRequested)
                return;
            using var doc = JsonDocument.Parse(body);
            var text = doc.RootElement.GetProperty("inputs").GetString() ?? "";
            var positive = new[] { "good", "love", "great", "wonderful" }.Any(w => text.Contains(w, StringComparison.OrdinalIgnoreCase));
            context.Response.Headers["x-inference-provider"] = provider;
            await context.Response.WriteAsJsonAsync(new[]
            {
                new[]
                {
                    new { label = positive ? "POSITIVE" : "NEGATIVE", score = 0.98 },
                    new { label = positive ? "NEGATIVE" : "POSITIVE", score = 0.02 },
                },
            });
        });

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        router = new FakeRouter(app, address);
        return router;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
