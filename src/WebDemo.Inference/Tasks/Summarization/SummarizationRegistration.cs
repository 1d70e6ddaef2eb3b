using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Tasks.Generation;

namespace WebDemo.Inference.Tasks.Summarization;

public static class SummarizationRegistration
{
    /// <summary>The summarization task and its options (section "Summarization"); backends register themselves.</summary>
    public static IServiceCollection AddSummarizationTask(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(SummarizationTask)))
            return services;
        services.AddOptions<SummarizationOptions>().Bind(configuration.GetSection(SummarizationOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddInferenceTask<SummarizationRequest, GeneratedText, SummarizationTask>(configuration);
        return services;
    }
}
