using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Inference.Onnx.Tasks.TextClassification;

public static class LocalTextClassificationRegistration
{
    /// <summary>Local text classification (BERT-family ONNX classifiers), with the ONNX runtime it needs.</summary>
    public static IServiceCollection AddLocalTextClassification(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOnnxInference(configuration).AddTextClassificationTask(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILocalModelKind, TextClassificationModelKind>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILocalTaskBackend<TextClassificationCall, ClassifiedText>, LocalTextClassificationBackend>());
        return services;
    }
}
