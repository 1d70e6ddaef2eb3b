using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using WebDemo.TestSupport;

namespace WebDemo.Tests;

/// <summary>
/// The app on a real loopback port with a test's own settings, light to start unless they say
/// otherwise: the Hub is offline with nothing cached (no model is fetched or preloaded), the data
/// folder a temporary one, and every log line is kept, at Trace. <see cref="WebDemoServer"/> is the
/// shared one with a model and a cloud.
/// </summary>
public sealed class KestrelApp : IAsyncDisposable
{
    private readonly TempDirectory _home = new();
    private readonly WebApplicationFactory<Program> _factory;

    private KestrelApp(Action<TestSettings, string> configure)
    {
        var settings = new TestSettings()
            .Hub("http://127.0.0.1:9", Path.Combine(_home.Path, "hub"), offline: true)
            .LocalModel(TestPaths.SentimentRepoId)
            .Set("Data:Folder", DataFolder);
        configure(settings, _home.Path);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseUrls("http://127.0.0.1:0");
            foreach (var (key, value) in settings.Values)
                web.UseSetting(key, value);
            web.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace)
                .AddFilter("System.Net.Http.HttpClient", LogLevel.Trace)); // request headers are logged at Trace
        });
        _factory.UseKestrel();
        _factory.StartServer();
        BaseUrl = _factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');
    }

    /// <summary>Starts the app with the settings <paramref name="configure"/> adds.</summary>
    public static KestrelApp Start(Action<TestSettings>? configure = null) => new((settings, _) => configure?.Invoke(settings));

    /// <summary>Starts the app with the settings <paramref name="configure"/> adds, given the app's temporary folder (for a model cache, say).</summary>
    public static KestrelApp Start(Action<TestSettings, string> configure) => new(configure);

    public string BaseUrl { get; }

    public string DataFolder => Path.Combine(_home.Path, "data");

    public IServiceProvider Services => _factory.Services;

    /// <summary>Every log line the app wrote, at Trace.</summary>
    public LogCapture Logs { get; } = new();

    /// <summary>A client that keeps no cookies, so a test sees each Set-Cookie.</summary>
    public HttpClient CreateClient() => new(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(BaseUrl) };

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        _home.Dispose();
    }
}
