using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Playwright;
using WebDemo.TestSupport;

namespace WebDemo.E2E;

/// <summary>
/// The published app run as the Docker image runs it (<c>dotnet WebDemo.dll</c>, Production,
/// ASPNETCORE_URLS=http://0.0.0.0:PORT), fetching the shared model from a loopback Hub, and one
/// headless Debian chromium driven by Playwright.
/// </summary>
public sealed class PublishedApp : IAsyncLifetime
{
    private readonly TempDirectory _home = new();
    private readonly StringBuilder _output = new();
    private Process? _process;
    private IPlaywright? _playwright;

    /// <summary>A token the app really uses (cloud calls go to <see cref="Router"/>); it must appear nowhere.</summary>
    public const string Token = "hf_E2eCanary4d2a9b8c1f";

    /// <summary>The operator token the app is given (the operator endpoints are on).</summary>
    public const string OperatorToken = "op_E2eOperator7c3e1a9b";

    /// <summary>The cloud model the fake router maps to hf-inference and prov-b.</summary>
    public const string CloudModel = "org/sentiment";

    /// <summary>The text-to-image model the fake router serves (hf-inference, a 1×1 PNG).</summary>
    public const string ImageModel = "org/image";

    /// <summary>The chat model the fake router serves (prov-a, then prov-b).</summary>
    public const string ChatModel = "org/chat";

    public LoopbackHub Hub { get; private set; } = null!;
    public FakeRouter Router { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";

    /// <summary>Everything the app wrote to stdout and stderr.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>The app the tests run against, once started (for <see cref="ClosePagesAfterEachTestAttribute"/>).</summary>
    internal static PublishedApp? Current { get; private set; }

    public static string ScreenshotDir { get; } = Path.Combine(TestPaths.RepoRoot, "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        Hub = await LoopbackHub.StartAsync();
        Router = await FakeRouter.StartAsync();
        Router.Mapping[CloudModel] = ["hf-inference", "prov-b"];
        Router.Mapping[ChatModel] = ["prov-a", "prov-b"];
        Router.Tasks[ChatModel] = "conversational";
        // What the router's catalogue claims of the chat model's providers (the Compare page sets it beside its figures).
        Router.Catalogue[ChatModel] =
        [
            new { provider = "prov-a", status = "live", context_length = 8192, pricing = new { input = 0.2, output = 0.6 }, throughput = 123.4, first_token_latency_ms = 250 },
            new { provider = "prov-b", status = "live", context_length = 8192, pricing = new { input = 0.1, output = 0.3 } },
        ];
        Router.Mapping[ImageModel] = ["hf-inference"];
        Router.Tasks[ImageModel] = "text-to-image";
        var publishDir = await PublishAsync();
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";

        var start = new ProcessStartInfo("dotnet", "WebDemo.dll")
        {
            WorkingDirectory = publishDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in new[] { "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT" })
            start.Environment.Remove(name);
        start.Environment["ASPNETCORE_URLS"] = $"http://0.0.0.0:{port}";
        start.Environment["HF_HOME"] = _home.Path;
        start.Environment["HF_ENDPOINT"] = Hub.Url;
        start.Environment["LocalModels__Models__0__Id"] = TestPaths.SentimentRepoId;
        start.Environment["LocalModels__Models__0__Dtype"] = "fp32";
        start.Environment["LocalModels__Models__1__Id"] = TestPaths.T5RepoId; // summarization
        start.Environment["LocalModels__Models__2__Id"] = TestPaths.T5RepoId; // translation
        start.Environment["LocalModels__Models__3__Id"] = TestPaths.LlamaRepoId; // chat
        start.Environment["LocalModels__Models__3__Dtype"] = "fp32";
        start.Environment["LocalModels__Models__4__Id"] = TestPaths.StableDiffusionRepoId; // image
        // The tiny T5 writes 512 tokens in well under a second on a fast machine; the Stop test
        // asks for 4,096 (the most the options allow) so that its click always lands mid-generation.
        start.Environment["Summarization__MaxNewTokens"] = "4096";
        // Likewise the tiny Stable Diffusion pipeline needs many steps for a Stop to land mid-image.
        start.Environment["TextToImage__MaxSteps"] = "1000";
        start.Environment["TextToImage__CloudModel"] = ImageModel;
        start.Environment["HF_TOKEN"] = Token;
        start.Environment["Cloud__RouterUrl"] = Router.Url;
        start.Environment["Cloud__HubUrl"] = Router.Url;
        start.Environment["Cloud__Retry__BaseDelay"] = "00:00:00.020";
        start.Environment["Cloud__ExtraProviders__0"] = "prov-a"; // the fake router's own providers
        start.Environment["Cloud__ExtraProviders__1"] = "prov-b";
        start.Environment["RateLimits__PermitsPerWindow"] = "100000"; // every test browses from 127.0.0.1
        // The tests share one app: a breaker opened by one must not skip providers in another (it has its own tests).
        start.Environment["Cloud__CircuitBreaker__MinimumThroughput"] = "1000";
        start.Environment["TextClassification__CloudModel"] = CloudModel;
        start.Environment["Chat__DefaultModel"] = ChatModel;
        // One sentiment call at a time, so that a little load makes a queue to watch (QueueTests).
        start.Environment["Queue__Tasks__text-classification__Concurrency"] = "1";
        start.Environment["Data__Folder"] = Path.Combine(_home.Path, "data");
        start.Environment["Operator__Token"] = OperatorToken;
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilUpAsync();

        _playwright = await Playwright.CreateAsync();
        // What a page shows may take a while to come on two busy cores: every expectation waits up
        // to 30 s (Playwright's default is 5 s), unless a test says otherwise.
        Assertions.SetDefaultExpectTimeout(30_000);
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        Directory.CreateDirectory(ScreenshotDir);
        Current = this;
    }

    /// <summary>A new page, once the Blazor circuit runs it (typing before then would be lost).</summary>
    public async Task<IPage> OpenAsync(string path, bool dark = false, int width = 1280, int height = 860)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = dark ? ColorScheme.Dark : ColorScheme.Light,
        });
        var page = await context.NewPageAsync();
        // Clicks, fills and navigations wait up to 90 s (Playwright's default is 30 s): CI runs the
        // other test projects beside this one on two cores, and a large fill once took longer.
        page.SetDefaultTimeout(90_000);
        await page.GotoAsync(BaseUrl + path);
        await page.WaitForSelectorAsync("[data-interactive=true]");
        return page;
    }

    private static async Task<string> PublishAsync()
    {
        if (Environment.GetEnvironmentVariable("WEBDEMO_PUBLISH_DIR") is { Length: > 0 } given && File.Exists(Path.Combine(given, "WebDemo.dll")))
            return given;
        var output = Path.Combine(TestPaths.RepoRoot, "artifacts", "e2e-app");
        var publish = Process.Start(new ProcessStartInfo("dotnet",
            ["publish", Path.Combine(TestPaths.RepoRoot, "src", "WebDemo", "WebDemo.csproj"), "-c", "Release", "-o", output, "-nologo", "-v", "quiet"])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var log = await publish.StandardOutput.ReadToEndAsync() + await publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync();
        Assert.True(publish.ExitCode == 0, "dotnet publish failed:\n" + log);
        return output;
    }

    private async Task WaitUntilUpAsync()
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"The app exited with {_process.ExitCode}:\n{Output}");
            try
            {
                if ((await http.GetAsync(BaseUrl + "/")).StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException("The app did not answer within 180 s:\n" + Output);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        Current = null;
        if (Browser is not null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        await Hub.DisposeAsync();
        await Router.DisposeAsync();
        _home.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<PublishedApp>
{
    public const string Name = "published app";
}
