using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace WebDemo.Inference.Tasks.TextClassification;

public static class TextClassificationRegistration
{
    /// <summary>
    /// The text-classification task, its options (section "TextClassification", validated at
    /// start) and its place in the task lists. Backends register themselves: the local ONNX one
    /// and the cloud one come from their own projects.
    /// </summary>
    public static IServiceCollection AddTextClassificationTask(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(TextClassificationTask)))
            return services; // already added, by the host or by a backend's registration
        services.AddOptions<TextClassificationOptions>().Bind(configuration.GetSection(TextClassificationOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddInferenceTask<TextClassificationRequest, ClassifiedText, TextClassificationTask>(configuration);
        return services;
    }
}
