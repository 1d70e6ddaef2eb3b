using WebDemo.Api;
using WebDemo.Data;
using WebDemo.Inference.Status;
using WebDemo.Inference.Usage;

namespace WebDemo.Features.Usage;

public static class UsageFeature
{
    /// <summary>
    /// Usage accounting: every task call (pages, hub, API) is stored by <see cref="UsageStore"/>
    /// and counted against the daily cloud budget (<see cref="CloudBudget"/>); the Status page, the
    /// usage page and <c>/api/usage</c>, <c>/operator/usage</c> show it.
    /// </summary>
    public static IServiceCollection AddUsageFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAppDatabase(configuration);
        services.AddOptions<UsageOptions>().Bind(configuration.GetSection(UsageOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.DailyBudget.Tokens is null or > 0 && o.DailyBudget.Usd is null or > 0,
                "Usage:DailyBudget:Tokens and Usd must be positive, or unset for no limit.")
            .ValidateOnStart();
        services.AddSingleton<UsageStore>();
        services.AddHostedService(sp => sp.GetRequiredService<UsageStore>());
        services.AddSingleton<IUsageRecorder>(sp => sp.GetRequiredService<UsageStore>());
        services.AddSingleton<CloudBudget>();
        services.AddHostedService(sp => sp.GetRequiredService<CloudBudget>());
        services.AddSingleton<IUsageRecorder>(sp => sp.GetRequiredService<CloudBudget>());
        services.AddSingleton<ICloudBudget>(sp => sp.GetRequiredService<CloudBudget>());
        services.AddSingleton<IStatusContributor, UsageStatus>();
        services.AddEndpoints(UsageApi.Map);
        return services;
    }
}
