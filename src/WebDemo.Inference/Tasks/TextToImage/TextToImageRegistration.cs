using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace WebDemo.Inference.Tasks.TextToImage;

public static class TextToImageRegistration
{
    /// <summary>The text-to-image task and its options (section "TextToImage"); backends register themselves.</summary>
    public static IServiceCollection AddTextToImageTask(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(TextToImageTask)))
            return services;
        services.AddOptions<TextToImageOptions>().Bind(configuration.GetSection(TextToImageOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddInferenceTask<TextToImageRequest, GeneratedImage, TextToImageTask>(configuration);
        return services;
    }
}
