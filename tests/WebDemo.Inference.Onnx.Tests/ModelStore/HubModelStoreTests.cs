using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Tasks.TextClassification;
using WebDemo.Inference.Streaming;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.ModelStore;

/// <summary>The model store against a real loopback Hub serving the sentiment model (<see cref="SentimentModel.Current"/>).</summary>
public sealed class HubModelStoreTests : IAsyncLifetime
{
    private static readonly IReadOnlyList<ModelFile> SentimentFiles = TextClassificationModel.FilesFor("onnx/model.onnx");
    private readonly TempDirectory _cache = new();
    private LoopbackHub _hub = null!;

    public async Task InitializeAsync() => _hub = await LoopbackHub.StartAsync();

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        _cache.Dispose();
    }

    private ServiceProvider Services(bool offline = false, string? token = null, Action<IServiceCollection>? configure = null) =>
        OnnxTestServices.Create(_hub.Url, _cache.Path, offline, token: token, configure: configure);

    /// <summary>Offline services whose HTTP handler counts (and refuses) every attempt to open a socket.</summary>
    private ServiceProvider OfflineServicesCountingSockets(StrongBox<int> connects) =>
        Services(offline: true, configure: services => services.AddHttpClient(HubModelStore.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                ConnectCallback = (_, _) =>
                {
                    Interlocked.Increment(ref connects.Value);
                    throw new InvalidOperationException("offline mode opened a socket");
                },
            }));

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static string SourceFile(string path) => Path.Combine(SentimentModel.Current.Dir, path);

    /// <summary>A byte count inside onnx/model.onnx: <paramref name="bytes"/>, or half the file where it is smaller (the tiny model's is 212 KB).</summary>
    private static int InsideTheModel(int bytes) => (int)Math.Min(bytes, new FileInfo(SourceFile("onnx/model.onnx")).Length / 2);

    [Fact]
    public async Task Downloads_into_the_hub_cache_layout_with_progress()
    {
        using var services = Services();
        var store = services.GetRequiredService<HubModelStore>();
        var progress = new List<ProgressInfo>();

        var snapshot = await store.EnsureAsync(TestPaths.SentimentRepoId, SentimentFiles, new SyncProgress(progress), default);

        var repoDir = Path.Combine(_cache.Path, "models--webdemo--distilbert-tiny-sst2");
        Assert.Equal(repoDir, store.RepoDirectory(TestPaths.SentimentRepoId));
        Assert.Equal(snapshot.Revision, File.ReadAllText(Path.Combine(repoDir, "refs", "main")));
        Assert.Equal(Path.Combine(repoDir, "snapshots", snapshot.Revision!), snapshot.Directory);
        var onnx = new FileInfo(snapshot.Get("onnx/model.onnx"));
        Assert.NotNull(onnx.LinkTarget); // snapshot files link to content-addressed blobs
        Assert.Equal(Sha256(SourceFile("onnx/model.onnx")), Path.GetFileName(onnx.ResolveLinkTarget(true)!.FullName));
        Assert.Equal(Sha256(SourceFile("onnx/model.onnx")), Sha256(onnx.FullName));
        Assert.Empty(Directory.GetFiles(Path.Combine(repoDir, "blobs"), "*.incomplete"));
        Assert.Contains(progress, p => p.Stage == "download" && p.Fraction is 1.0);
    }

    [Fact]
    public async Task A_second_call_downloads_nothing_again()
    {
        using var services = Services();
        var store = services.GetRequiredService<HubModelStore>();
        await store.EnsureAsync(TestPaths.SentimentRepoId, SentimentFiles, null, default);
        _hub.Requests.Clear();

        await store.EnsureAsync(TestPaths.SentimentRepoId, SentimentFiles, null, default);

        Assert.DoesNotContain(_hub.Requests, r => r.Method == "GET");
    }

    [Fact]
    public async Task A_download_broken_midway_resumes_from_where_it_stopped()
    {
        using var services = Services();
        var cutAfter = InsideTheModel(3_000_000);
        _hub.BreakNextDownload = ("onnx/model.onnx", cutAfter);

        var snapshot = await services.GetRequiredService<HubModelStore>().EnsureAsync(TestPaths.SentimentRepoId, SentimentFiles, null, default);

        var modelGets = _hub.Requests.Where(r => r.Method == "GET" && r.Path.EndsWith("onnx/model.onnx", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, modelGets.Count);
        Assert.Null(modelGets[0].Range);
        Assert.StartsWith("bytes=", modelGets[1].Range);
        var resumedFrom = long.Parse(modelGets[1].Range!["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(resumedFrom, 1, cutAfter); // only what was lost is fetched again
        Assert.Equal(Sha256(SourceFile("onnx/model.onnx")), Sha256(snapshot.Get("onnx/model.onnx")));
    }

    [Fact]
    public async Task A_partial_file_left_by_an_earlier_run_is_resumed()
    {
        var sha = Sha256(SourceFile("onnx/model.onnx"));
        var blobs = Path.Combine(_cache.Path, "models--webdemo--distilbert-tiny-sst2", "blobs");
        Directory.CreateDirectory(blobs);
        var bytes = File.ReadAllBytes(SourceFile("onnx/model.onnx"));
        var partial = InsideTheModel(1_000_000);
        File.WriteAllBytes(Path.Combine(blobs, sha + ".incomplete"), bytes[..partial]);
        using var services = Services();

        var snapshot = await services.GetRequiredService<HubModelStore>().EnsureAsync(TestPaths.SentimentRepoId, SentimentFiles, null, default);

        var get = Assert.Single(_hub.Requests, r => r.Method == "GET" && r.Path.EndsWith("onnx/model.onnx", StringComparison.Ordinal));
        Assert.Equal($"bytes={partial}-", get.Range);
        Assert.Equal(sha, Sha256(snapshot.Get("onnx/model.onnx")));
    }

    [Fact]
    public async Task Offline_mode_uses_the_cache_and_never_opens_a_socket()
    {
        using (var online = Services())
            await online.GetRequiredService<HubModelStore>().EnsureAsync(TestPaths.SentimentRepoId, SentimentFiles, null, default);
        var connects = new StrongBox<int>();
        using var offline = OfflineServicesCountingSockets(connects);
        _hub.Requests.Clear();

        var snapshot = await offline.GetRequiredService<HubModelStore>().EnsureAsync(TestPaths.SentimentRepoId, SentimentFiles, null, default);
        var model = await offline.GetRequiredService<LocalModelLoader>().GetAsync<TextClassificationModel>(TestPaths.SentimentRepoId, "text-classification", null, default);

        Assert.True(File.Exists(snapshot.Get("onnx/model.onnx")));
        Assert.Equal("POSITIVE", model.Classify([SentimentModel.Current.PositiveText], 0, 1)[0].Labels[0].Label);
        Assert.Equal(0, connects.Value);
        Assert.Empty(_hub.Requests);
    }

    [Fact]
    public async Task Offline_mode_without_a_cached_copy_says_so()
    {
        var connects = new StrongBox<int>();
        using var offline = OfflineServicesCountingSockets(connects);

        var error = await Assert.ThrowsAsync<InferenceException>(() =>
            offline.GetRequiredService<HubModelStore>().EnsureAsync(TestPaths.SentimentRepoId, SentimentFiles, null, default));

        Assert.Equal(InferenceErrorKind.ModelUnavailable, error.Kind);
        Assert.Contains("HF_HUB_OFFLINE", error.Message);
        Assert.Equal(0, connects.Value);
    }

    [Fact]
    public async Task A_missing_required_file_is_named_in_the_error()
    {
        using var services = Services();
        IReadOnlyList<ModelFile> files = [new("config.json"), new("onnx/model_quantized.onnx")];

        var error = await Assert.ThrowsAsync<InferenceException>(() =>
            services.GetRequiredService<HubModelStore>().EnsureAsync(TestPaths.SentimentRepoId, files, null, default));

        Assert.Equal(InferenceErrorKind.ModelNotFound, error.Kind);
        Assert.Contains("has no file 'onnx/model_quantized.onnx'", error.Message);
    }

    [Fact]
    public async Task An_unknown_repository_is_a_clear_error()
    {
        using var services = Services();

        var error = await Assert.ThrowsAsync<InferenceException>(() =>
            services.GetRequiredService<HubModelStore>().EnsureAsync("nobody/no-such-model", SentimentFiles, null, default));

        Assert.Equal(InferenceErrorKind.ModelNotFound, error.Kind);
        Assert.Contains("was not found", error.Message);
    }

    [Fact]
    public async Task Bytes_corrupted_in_transit_are_caught_and_not_kept()
    {
        using var services = Services(configure: s => s.AddHttpClient(HubModelStore.HttpClientName)
            .AddHttpMessageHandler(() => new CorruptingHandler("onnx/model.onnx")));
        var store = services.GetRequiredService<HubModelStore>();

        var error = await Assert.ThrowsAsync<InferenceException>(() =>
            store.EnsureAsync(TestPaths.SentimentRepoId, SentimentFiles, null, default));

        Assert.Contains("corrupt", error.Message);
        var blobs = Path.Combine(store.RepoDirectory(TestPaths.SentimentRepoId), "blobs");
        Assert.DoesNotContain(Directory.GetFiles(blobs), f => Path.GetFileName(f).StartsWith(Sha256(SourceFile("onnx/model.onnx")), StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_token_is_sent_to_the_hub()
    {
        using var services = Services(token: "hf_test_secret");

        await services.GetRequiredService<HubModelStore>().EnsureAsync(TestPaths.SentimentRepoId, SentimentFiles, null, default);

        Assert.All(_hub.Requests, r => Assert.Equal("Bearer hf_test_secret", r.Authorization));
    }

    [Fact]
    public async Task Every_hub_request_sends_the_webdemo_user_agent()
    {
        using var services = Services();

        await services.GetRequiredService<HubModelStore>().EnsureAsync(TestPaths.SentimentRepoId, SentimentFiles, null, default);

        Assert.Contains(_hub.Requests, r => r.Method == "GET");
        Assert.All(_hub.Requests, r => Assert.Equal(HuggingFaceUserAgent.Value, r.UserAgent));
    }

    [Fact]
    public async Task An_untrusted_hub_mirror_gets_no_token()
    {
        using var services = Services(token: "hf_test_secret", configure: s => s.AddSingleton(sp =>
            new HubAuthorization(sp.GetRequiredService<HuggingFaceToken>(), NullLogger<HubAuthorization>.Instance, trustMirror: false)));

        await services.GetRequiredService<HubModelStore>().EnsureAsync(TestPaths.SentimentRepoId, SentimentFiles, null, default);

        Assert.NotEmpty(_hub.Requests);
        Assert.All(_hub.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task HF_HUB_DISABLE_IMPLICIT_TOKEN_downloads_without_the_token()
    {
        using var services = Services(configure: s => s.AddSingleton(new HuggingFaceToken(name => name switch
        {
            "HF_TOKEN" => "hf_test_secret",
            "HF_HUB_DISABLE_IMPLICIT_TOKEN" => "1",
            _ => null,
        })));

        await services.GetRequiredService<HubModelStore>().EnsureAsync(TestPaths.SentimentRepoId, SentimentFiles, null, default);

        Assert.NotEmpty(_hub.Requests);
        Assert.All(_hub.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task Malformed_repo_ids_are_refused_before_any_request()
    {
        using var services = Services();

        var error = await Assert.ThrowsAsync<InferenceException>(() =>
            services.GetRequiredService<HubModelStore>().EnsureAsync("../../etc/passwd", SentimentFiles, null, default));

        Assert.Equal(InferenceErrorKind.ModelNotFound, error.Kind);
        Assert.Empty(_hub.Requests);
    }

    [Fact]
    public async Task Concurrent_first_requests_share_one_download_and_one_session()
    {
        using var services = Services();
        var loader = services.GetRequiredService<LocalModelLoader>();

        var models = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Task.Run(() => loader.GetAsync<TextClassificationModel>(TestPaths.SentimentRepoId, "text-classification", null, default))));

        Assert.All(models, m => Assert.Same(models[0], m));
        Assert.Single(_hub.Requests, r => r.Method == "GET" && r.Path.EndsWith("onnx/model.onnx", StringComparison.Ordinal));
        Assert.True(loader.IsLoaded(TestPaths.SentimentRepoId));
    }

    /// <summary>Flips one byte of one file's body, as a bad proxy or disk might.</summary>
    private sealed class CorruptingHandler(string pathSuffix) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var response = await base.SendAsync(request, ct);
            if (request.Method != HttpMethod.Get || !request.RequestUri!.AbsolutePath.EndsWith(pathSuffix, StringComparison.Ordinal))
                return response;
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            bytes[bytes.Length / 2] ^= 0xFF;
            var corrupted = new ByteArrayContent(bytes);
            corrupted.Headers.ContentLength = bytes.Length;
            return new HttpResponseMessage(response.StatusCode) { Content = corrupted, RequestMessage = request };
        }
    }

    private sealed class SyncProgress(List<ProgressInfo> into) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value)
        {
            lock (into)
                into.Add(value);
        }
    }
}
