using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Data;

/// <summary>
/// A feature's services over a temporary app database, for the stores' tests: each call builds the
/// feature with the test's settings, a manual clock and a data folder of its own; disposing releases
/// the SQLite file (pooled connections keep it open) and deletes the folder.
/// </summary>
internal sealed class TempAppData : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly List<ServiceProvider> _started = [];

    public ManualClock Clock { get; } = new();

    public string Root => _root.Path;

    /// <summary>The data folder the services use unless a test names another.</summary>
    public string Folder => Path.Combine(_root.Path, "data");

    public ServiceProvider Services(Action<IServiceCollection, IConfiguration> addFeature, params (string Key, string Value)[] settings) =>
        Services(Folder, addFeature, settings);

    public ServiceProvider Services(string folder, Action<IServiceCollection, IConfiguration> addFeature, params (string Key, string Value)[] settings)
    {
        var services = new TestSettings()
            .Set("Data:Folder", folder)
            .Set(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Services((services, configuration) =>
            {
                addFeature(services, configuration);
                services.AddSingleton<TimeProvider>(Clock);
            });
        _started.Add(services);
        return services;
    }

    public void Dispose()
    {
        foreach (var services in _started)
            services.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); // release the file before the folder goes
        _root.Dispose();
    }
}
