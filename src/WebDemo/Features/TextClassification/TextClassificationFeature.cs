using MudBlazor;
using WebDemo.Api;
using WebDemo.Components.Layout;
using WebDemo.Inference.Onnx.Tasks.TextClassification;
using WebDemo.Inference.Remote.Tasks.TextClassification;

namespace WebDemo.Features.TextClassification;

public static class TextClassificationFeature
{
    /// <summary>
    /// Sentiment (text classification) everywhere: the task with its local and cloud backends,
    /// its HF API endpoint and its page in the navigation. The hub method and the page come with this folder.
    /// </summary>
    public static IServiceCollection AddTextClassificationFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLocalTextClassification(configuration).AddCloudTextClassification(configuration);
        services.AddHfTaskEndpoint(new TextClassificationApi());
        services.AddSingleton(new TaskPage("Sentiment", "sentiment", Icons.Material.Filled.SentimentSatisfied,
            "Is a text positive or negative? One line per text, results as each line is scored.",
            Sample: "A gorgeous, moving film."));
        return services;
    }
}
