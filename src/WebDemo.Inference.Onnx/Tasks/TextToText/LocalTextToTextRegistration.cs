using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Generation;
using WebDemo.Inference.Tasks.Summarization;
using WebDemo.Inference.Tasks.Translation;

namespace WebDemo.Inference.Onnx.Tasks.TextToText;

public static class LocalTextToTextRegistration
{
    /// <summary>Local summarization and translation on encoder-decoder ONNX models (T5), with the ONNX runtime they need.</summary>
    public static IServiceCollection AddLocalTextToText(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOnnxInference(configuration).AddSummarizationTask(configuration).AddTranslationTask(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILocalModelKind, TextToTextModelKind<SummarizationRequest>>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILocalModelKind, TextToTextModelKind<TranslationRequest>>());
        services.TryAddSingleton<LocalSummarizationBackend>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILocalTaskBackend<SummarizationCall, GeneratedText>, LocalSummarizationBackend>(
            sp => sp.GetRequiredService<LocalSummarizationBackend>()));
        services.TryAddSingleton<IInputTokenCounter<SummarizationCall>>(sp => sp.GetRequiredService<LocalSummarizationBackend>());
        services.TryAddSingleton<LocalTranslationBackend>();
        services.TryAddSingleton<IInputTokenCounter<TranslationCall>>(sp => sp.GetRequiredService<LocalTranslationBackend>());
        services.TryAddSingleton<ITranslationLanguages>(sp => sp.GetRequiredService<LocalTranslationBackend>());
        if (!services.Any(d => d.ServiceType == typeof(ILocalTaskBackend<TranslationCall, GeneratedText>)))
            services.AddSingleton<ILocalTaskBackend<TranslationCall, GeneratedText>>(sp => sp.GetRequiredService<LocalTranslationBackend>());
        return services;
    }
}
