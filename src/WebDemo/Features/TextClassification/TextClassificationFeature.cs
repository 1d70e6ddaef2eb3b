using MudBlazor;
using WebDemo.Api;
using WebDemo.Components.Layout;
using WebDemo.Hosting;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.Inference.Onnx.Tasks.TextClassification;
using WebDemo.Inference.Remote.Tasks.TextClassification;

namespace WebDemo.Features.TextClassification;

internal static class TextClassificationFeature
{
    /// <summary>
    /// Sentiment (text classification) everywhere: the task with its local and cloud backends,
    /// its HF API endpoint and its page in the navigation. The hub method and the page come with this folder.
    /// </summary>
    public static IServiceCollection AddTextClassificationFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLocalTextClassification(configuration).AddCloudTextClassification(configuration);
        // The page's text box and one request may hold every line at its longest.
        var limits = configuration.GetSection(TextClassificationOptions.Section).Get<TextClassificationOptions>() ?? new();
        services.AddLargestInput(TextClassificationLimits.PageCharacters(limits));
        services.AddHfTaskEndpoint(new TextClassificationApi());
        services.AddSingleton(new TaskPage("Sentiment", "sentiment", Icons.Material.Filled.SentimentSatisfied,
            "Is a text positive or negative? One line per text, results as each line is scored.",
            Sample: "A gorgeous, moving film."));
        return services;
    }
}
