using WebDemo.Data;
using WebDemo.Hosting;

namespace WebDemo.Features.Compare;

internal static class CompareFeature
{
    /// <summary>The Compare page: the tasks it measures, its runner with its limits, and the saved comparisons.</summary>
    public static IServiceCollection AddCompareFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CompareOptions>().Bind(configuration.GetSection(CompareOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddAppDatabase(configuration);
        services.AddComparedTasks();
        services.AddSingleton<ComparisonRunner>();
        services.AddSingleton<ComparisonStore>();
        var limits = configuration.GetSection(CompareOptions.Section).Get<CompareOptions>() ?? new();
        services.AddLargestInput(limits.MaxPromptCharacters * 2);
        return services;
    }
}
