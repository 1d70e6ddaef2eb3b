using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WebDemo.Features.Usage;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.Usage;

/// <summary>
/// The usage feature's services on a temporary data folder, started as the host starts them (the
/// store's writer, the budget's seed) and stopped and deleted with this object.
/// </summary>
internal sealed class UsageServices : IAsyncDisposable
{
    private readonly TempDirectory _data = new();
    private readonly List<ServiceProvider> _started = [];

    /// <param name="clock">The clock the store and budget read; the system's when null.</param>
    public async Task<ServiceProvider> StartAsync(TimeProvider? clock, params (string Key, string Value)[] settings)
    {
        var services = new TestSettings()
            .Set("Data:Folder", Path.Combine(_data.Path, "data"))
            .Set(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Services((services, configuration) =>
            {
                services.AddLogging();
                services.AddUsageFeature(configuration);
                if (clock is not null)
                    services.AddSingleton(clock);
            });
        _started.Add(services);
        foreach (var hosted in services.GetServices<IHostedService>())
            await hosted.StartAsync(CancellationToken.None);
        return services;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var services in _started)
        {
            foreach (var hosted in services.GetServices<IHostedService>())
                await hosted.StopAsync(CancellationToken.None);
            await services.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); // release the file before the folder goes
        _data.Dispose();
    }
}
