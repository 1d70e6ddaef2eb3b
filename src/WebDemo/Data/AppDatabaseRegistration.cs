using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace WebDemo.Data;

public static class AppDatabaseRegistration
{
    /// <summary>
    /// The app's SQLite database under <see cref="DataOptions.Folder"/>, migrated at start. Pages get
    /// contexts from <see cref="IDbContextFactory{TContext}"/>: a circuit lives long, a context should not.
    /// </summary>
    public static IServiceCollection AddAppDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(AppDatabaseSchema)))
            return services; // added already, by another feature that keeps state
        services.AddOptions<DataOptions>().Bind(configuration.GetSection(DataOptions.Section));
        services.AddSingleton(sp => AppDataLocation.Resolve(
            sp.GetRequiredService<IOptions<DataOptions>>().Value,
            sp.GetService<IHostEnvironment>()?.ContentRootPath ?? AppContext.BaseDirectory));
        services.AddDbContextFactory<AppDatabase>((sp, options) => options.UseSqlite(sp.GetRequiredService<AppDataLocation>().ConnectionString));
        services.AddSingleton<AppDatabaseSchema>();
        services.AddHostedService(sp => sp.GetRequiredService<AppDatabaseSchema>());
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
