using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using WebDemo.LocalHub;

namespace WebDemo.TestSupport;

/// <summary>One request the hub (or the fake router) saw.</summary>
public sealed record HubRequest(string Method, string Path, string? Range, string? Authorization, string? UserAgent = null, string? BillTo = null)
{
    public static HubRequest From(HttpRequest request) => new(request.Method, request.Path.Value ?? "",
        OrNull(request.Headers.Range.ToString()), OrNull(request.Headers.Authorization.ToString()), OrNull(request.Headers.UserAgent.ToString()),
        OrNull(request.Headers["X-HF-Bill-To"].ToString()));

    private static string? OrNull(string value) => value.Length > 0 ? value : null;
}

/// <summary>
/// A real Kestrel server on 127.0.0.1 speaking the Hub's wire format over model folders (the same
/// LocalHub the run script uses; by default <see cref="SentimentModel.Current"/> as
/// <see cref="TestPaths.SentimentRepoId"/>), recording every request and able to break a download
/// part-way once, to prove resuming.
/// </summary>
public sealed class LoopbackHub : IAsyncDisposable
{
    private readonly WebApplication _app;

    public ConcurrentQueue<HubRequest> Requests { get; } = new();

    /// <summary>When set, the next GET of a path ending so is cut off after this many bytes.</summary>
    public (string PathSuffix, int Bytes)? BreakNextDownload { get; set; }

    public string Url { get; }

    private LoopbackHub(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public static Task<LoopbackHub> StartAsync() =>
        StartAsync([new LocalRepo(TestPaths.SentimentRepoId, SentimentModel.Current.Dir), new LocalRepo(TestPaths.T5RepoId, TestPaths.TinyT5ModelDir),
            new LocalRepo(TestPaths.LlamaRepoId, TestPaths.TinyLlamaModelDir),
            new LocalRepo(TestPaths.StableDiffusionRepoId, TestPaths.TinyStableDiffusionModelDir)]);

    public static async Task<LoopbackHub> StartAsync(IEnumerable<LocalRepo> repos)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        LoopbackHub? hub = null;
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            hub!.Requests.Enqueue(HubRequest.From(request));
            if (request.Method == "GET" && hub.BreakNextDownload is { } fault && request.Path.Value!.EndsWith(fault.PathSuffix, StringComparison.Ordinal))
            {
                hub.BreakNextDownload = null;
                context.Response.Body = new BreakingStream(context.Response.Body, fault.Bytes, context);
            }
            await next();
        });
        app.MapLocalHub(repos);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        hub = new LoopbackHub(app, address);
        return hub;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Passes the first bytes through, then aborts the connection, as a network fault would.</summary>
    private sealed class BreakingStream(Stream inner, int allowed, HttpContext context) : Stream
    {
        private int _written;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            var room = allowed - _written;
            if (room > 0)
            {
                var part = buffer[..Math.Min(room, buffer.Length)];
                await inner.WriteAsync(part, ct);
                await inner.FlushAsync(ct);
                _written += part.Length;
            }
            if (_written >= allowed)
                context.Abort();
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, default).GetAwaiter().GetResult();
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
