using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Tasks.Generation;

namespace WebDemo.Inference.Tasks.Translation;

public static class TranslationRegistration
{
    /// <summary>The translation task and its options (section "Translation"); backends register themselves.</summary>
    public static IServiceCollection AddTranslationTask(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(TranslationTask)))
            return services;
        services.AddOptions<TranslationOptions>().Bind(configuration.GetSection(TranslationOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddInferenceTask<TranslationRequest, GeneratedText, TranslationTask>(configuration);
        return services;
    }
}
