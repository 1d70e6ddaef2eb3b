using MudBlazor;
using WebDemo.Api;
using WebDemo.Components.Layout;
using WebDemo.Hosting;
using WebDemo.Inference.Onnx.Tasks.TextToText;
using WebDemo.Inference.Remote.Tasks.TextToText;
using WebDemo.Inference.Tasks.Summarization;

namespace WebDemo.Features.Summarization;

internal static class SummarizationFeature
{
    /// <summary>Summarization everywhere: the task with its local (T5) and cloud backends, its HF API endpoint and its page.</summary>
    public static IServiceCollection AddSummarizationFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLocalTextToText(configuration).AddCloudTextToText(configuration);
        var limits = configuration.GetSection(SummarizationOptions.Section).Get<SummarizationOptions>() ?? new();
        services.AddLargestInput(limits.MaxInputCharacters);
        services.AddHfTaskEndpoint(new SummarizationApi());
        services.AddSingleton(new TaskPage("Summarization", "summarization", Icons.Material.Filled.ShortText,
            "A shorter text that keeps the gist, written word by word.",
            Sample: "The tower is 324 metres tall, the tallest structure in Paris…"));
        return services;
    }
}
