using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using WebDemo.TestSupport;

namespace WebDemo.Tests;

/// <summary>
/// The app on a real loopback port with a test's own settings, light to start: the Hub is offline
/// with nothing cached (no model is fetched or preloaded) and the data folder is a temporary one.
/// For what one configuration shows; <see cref="WebDemoServer"/> is the shared server with a model.
/// </summary>
public sealed class KestrelApp : IAsyncDisposable
{
    private readonly TempDirectory _home = new();
    private readonly WebApplicationFactory<Program> _factory;

    private KestrelApp(Action<TestSettings> configure)
    {
        var settings = new TestSettings()
            .Hub("http://127.0.0.1:9", Path.Combine(_home.Path, "hub"), offline: true)
            .LocalModel(TestPaths.SentimentRepoId)
            .Set("Data:Folder", DataFolder);
        configure(settings);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseUrls("http://127.0.0.1:0");
            foreach (var (key, value) in settings.Values)
                web.UseSetting(key, value);
            web.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        });
        _factory.UseKestrel();
        _factory.StartServer();
        BaseUrl = _factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');
    }

    /// <summary>Starts the app with the settings <paramref name="configure"/> adds.</summary>
    public static KestrelApp Start(Action<TestSettings>? configure = null) => new(configure ?? (_ => { }));

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
