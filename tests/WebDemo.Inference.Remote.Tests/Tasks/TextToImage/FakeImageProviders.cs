using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Remote.Tests.Tasks.TextToImage;

/// <summary>One request the fake received: everything a provider's API would see.</summary>
public sealed record ImageRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;

    public JsonElement Json() => JsonDocument.Parse(Body).RootElement;
}

/// <summary>A provider's mapping for the fake Hub: its own id, and its LoRA adapter if any.</summary>
public sealed record MappedProvider(string Provider, string ProviderId, string? Adapter = null, string? AdapterWeightsPath = null, string Status = "live");

/// <summary>
/// The router and the Hub API on a loopback port, with each image provider's API as its
/// huggingface.js helper calls it through <c>router.huggingface.co/{provider}/…</c>: hf-inference
/// (bytes), together/nscale/deepinfra (base64), fal-ai's queue, replicate, wavespeed and zai-org
/// (submit, then poll). Answers can be replaced per route; statuses can be queued per provider.
/// </summary>
public sealed class FakeImageProviders : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _statuses = new();
    private readonly ConcurrentDictionary<string, Func<ImageRequest, IResult>> _routes = new();

    public string Url { get; private set; } = "";

    public ConcurrentQueue<ImageRequest> Requests { get; } = new();

    /// <summary>Model id → its text-to-image providers, in order.</summary>
    public ConcurrentDictionary<string, MappedProvider[]> Mapping { get; } = new();

    /// <summary>How many polls answer "still working" before an asynchronous provider is done.</summary>
    public int PollsBeforeDone { get; set; } = 2;

    /// <summary>Where providers that answer URLs say the image is; this fake's own file unless set.</summary>
    public string? ImageUrl { get; set; }

    public static readonly byte[] Png = FakeRouter.Png;

    private FakeImageProviders(WebApplication app) => _app = app;

    /// <summary>The next requests to this provider answer these statuses, one each, then it answers well.</summary>
    public void Fail(string provider, params int[] statuses)
    {
        var queue = _statuses.GetOrAdd(provider, _ => new ConcurrentQueue<int>());
        foreach (var status in statuses)
            queue.Enqueue(status);
    }

    /// <summary>Replaces the answer to "METHOD /path" (no query; a trailing * matches any rest).</summary>
    public void On(string route, Func<ImageRequest, IResult> answer) => _routes[route] = answer;

    public List<ImageRequest> To(string provider) => Requests.Where(r => r.PathAndQuery.StartsWith($"/{provider}/", StringComparison.Ordinal)).ToList();

    public static async Task<FakeImageProviders> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeImageProviders(app);
        fake.Defaults();

        app.MapGet("/api/models/{org}/{name}", (string org, string name) =>
        {
            var id = $"{org}/{name}";
            if (!fake.Mapping.TryGetValue(id, out var providers))
                return Results.Json(new { error = "Repository not found" }, statusCode: 404);
            return Results.Json(new
            {
                id,
                inferenceProviderMapping = providers.Select(p => new
                {
                    provider = p.Provider, providerId = p.ProviderId, hfModelId = id, status = p.Status, task = "text-to-image",
                    adapter = p.Adapter, adapterWeightsPath = p.AdapterWeightsPath,
                }),
            });
        });
        app.MapFallback("{**path}", async context =>
        {
            var request = context.Request;
            var recorded = new ImageRequest(request.Method, request.Path + request.QueryString,
                request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                await new StreamReader(request.Body).ReadToEndAsync());
            fake.Requests.Enqueue(recorded);
            var provider = request.Path.Value!.Split('/')[1];
            if (fake._statuses.TryGetValue(provider, out var queue) && queue.TryDequeue(out var status))
            {
                await Results.Json(new { error = $"fake {status}" }, statusCode: status).ExecuteAsync(context);
                return;
            }
            var key = $"{request.Method} {request.Path}";
            var answer = fake._routes.TryGetValue(key, out var exact) ? exact
                : fake._routes.Where(r => r.Key.EndsWith('*') && key.StartsWith(r.Key[..^1], StringComparison.Ordinal))
                    .OrderByDescending(r => r.Key.Length).Select(r => r.Value).FirstOrDefault();
            await (answer?.Invoke(recorded) ?? Results.NotFound(new { error = "no such route" })).ExecuteAsync(context);
        });

        await app.StartAsync();
        fake.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return fake;
    }

    private string ImageLink => ImageUrl ?? Url + "/files/image.png";

    /// <summary>Each provider answering well, in its own shape.</summary>
    private void Defaults()
    {
        var base64 = Convert.ToBase64String(Png);
        On("GET /files/image.png", _ => Results.Bytes(Png, "image/png"));
        On("POST /hf-inference/models/*", _ => Results.Bytes(Png, "image/png"));
        On("POST /together/v1/images/generations", _ => Results.Json(new { data = new[] { new { b64_json = base64 } } }));
        On("POST /nscale/v1/images/generations", _ => Results.Json(new { data = new[] { new { b64_json = base64 } } }));
        On("POST /deepinfra/v1/openai/images/generations", _ => Results.Json(new { data = new[] { new { b64_json = base64 } } }));
        On("POST /replicate/v1/*", _ => Results.Json(new { id = "p1", status = "succeeded", output = new[] { ImageLink } }));

        // fal-ai's queue: the response_url is on fal's own host, of which only the path is used.
        var falPolls = 0;
        On("POST /fal-ai/*", r => Results.Json(new
        {
            request_id = "req-1", status = "IN_QUEUE",
            response_url = $"https://queue.fal.run{r.PathAndQuery[("/fal-ai".Length)..r.PathAndQuery.IndexOf('?', StringComparison.Ordinal)]}/requests/req-1",
        }));
        On("GET /fal-ai/*", r =>
        {
            if (r.PathAndQuery.Contains("/status?", StringComparison.Ordinal))
                return Results.Json(new { status = Interlocked.Increment(ref falPolls) > PollsBeforeDone ? "COMPLETED" : "IN_PROGRESS", queue_position = 0 });
            return Results.Json(new { images = new[] { new { url = ImageLink, content_type = "image/png" } }, seed = 42 });
        });

        var wavespeedPolls = 0;
        On("POST /wavespeed/api/v3/*", _ => Results.Json(new
        {
            code = 200, message = "success",
            data = new { id = "ws-1", urls = new { get = "https://api.wavespeed.ai/api/v3/predictions/ws-1/result" }, status = "created" },
        }));
        On("GET /wavespeed/api/v3/predictions/ws-1/result", _ => Interlocked.Increment(ref wavespeedPolls) > PollsBeforeDone
            ? Results.Json(new { code = 200, data = new { id = "ws-1", status = "completed", outputs = new[] { ImageLink } } })
            : Results.Json(new { code = 200, data = new { id = "ws-1", status = "processing", outputs = Array.Empty<string>() } }));

        var zaiPolls = 0;
        On("POST /zai-org/api/paas/v4/async/images/generations", _ => Results.Json(new { id = "z-1", request_id = "r", model = "cogview-4", task_status = "PROCESSING" }));
        On("GET /zai-org/api/paas/v4/async-result/z-1", _ => Interlocked.Increment(ref zaiPolls) > PollsBeforeDone
            ? Results.Json(new { id = "z-1", task_status = "SUCCESS", image_result = new[] { new { url = ImageLink } } })
            : Results.Json(new { id = "z-1", task_status = "PROCESSING" }));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
