using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WebDemo.Tests.Hosting;

/// <summary>One export the collector received: its path (/v1/traces, /v1/metrics) and protobuf body.</summary>
public sealed record OtlpPost(string Path, byte[] Body)
{
    /// <summary>Whether the body holds this text: protobuf keeps strings (names, attribute keys and values) as plain UTF-8.</summary>
    public bool Contains(string text) => Body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}

/// <summary>
/// A stand-in OTLP/HTTP collector (protocol http/protobuf) on a loopback port: it records every
/// export and answers 200, and a test awaits the export it expects instead of sleeping.
/// </summary>
public sealed class FakeOtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly List<OtlpPost> _posts = [];
    private readonly List<(string Path, string Text, TaskCompletionSource Seen)> _waiting = [];

    private FakeOtlpCollector(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public IReadOnlyList<OtlpPost> Posts
    {
        get
        {
            lock (_lock)
                return [.. _posts];
        }
    }

    public static async Task<FakeOtlpCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var collector = new FakeOtlpCollector(app);
        app.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            collector.Received(new OtlpPost(context.Request.Path, body.ToArray()));
            // An empty Export…ServiceResponse: everything was accepted.
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        collector.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return collector;
    }

    /// <summary>Completes once an export to <paramref name="path"/> holding <paramref name="text"/> has arrived, or at once if one has.</summary>
    public Task WaitForAsync(string path, string text)
    {
        lock (_lock)
        {
            if (_posts.Any(p => p.Path == path && p.Contains(text)))
                return Task.CompletedTask;
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((path, text, seen));
            return seen.Task;
        }
    }

    private void Received(OtlpPost post)
    {
        lock (_lock)
        {
            _posts.Add(post);
            foreach (var waiter in _waiting.Where(w => w.Path == post.Path && post.Contains(w.Text)).ToList())
            {
                waiter.Seen.TrySetResult();
                _waiting.Remove(waiter);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
