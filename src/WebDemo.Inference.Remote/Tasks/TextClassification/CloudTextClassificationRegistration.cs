using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Inference.Remote.Tasks.TextClassification;

public static class CloudTextClassificationRegistration
{
    /// <summary>Text classification through Hugging Face Inference Providers, with the router client it needs.</summary>
    public static IServiceCollection AddCloudTextClassification(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHuggingFaceRouter(configuration).AddTextClassificationTask(configuration);
        services.TryAddSingleton<ICloudTaskBackends<TextClassificationCall, ClassifiedText>, CloudTextClassification>();
        return services;
    }
}
