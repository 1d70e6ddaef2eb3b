using MudBlazor;
using WebDemo.Api;
using WebDemo.Components.Layout;
using WebDemo.Hosting;
using WebDemo.Inference.Onnx.Tasks.TextToText;
using WebDemo.Inference.Remote.Tasks.TextToText;
using WebDemo.Inference.Tasks.Translation;

namespace WebDemo.Features.Translation;

internal static class TranslationFeature
{
    /// <summary>Translation everywhere: the task with its local (T5) and cloud backends, its HF API endpoint and its page.</summary>
    public static IServiceCollection AddTranslationFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLocalTextToText(configuration).AddCloudTextToText(configuration);
        var limits = configuration.GetSection(TranslationOptions.Section).Get<TranslationOptions>() ?? new();
        services.AddLargestInput(limits.MaxInputCharacters);
        services.AddHfTaskEndpoint(new TranslationApi());
        services.AddSingleton(new TaskPage("Translation", "translation", Icons.Material.Filled.Translate,
            "From English to French, German or Romanian, word by word.",
            Sample: "Where is the train station? → Où est la gare ?"));
        return services;
    }
}
