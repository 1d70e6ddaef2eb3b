using MudBlazor;
using WebDemo.Api;
using WebDemo.Components.Layout;
using WebDemo.Data;
using WebDemo.Features.TextToImage.Gallery;
using WebDemo.Hosting;
using WebDemo.Inference.Onnx.Tasks.TextToImage;
using WebDemo.Inference.Remote.Tasks.TextToImage;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Features.TextToImage;

internal static class TextToImageFeature
{
    /// <summary>Image generation: the task with its local (Stable Diffusion) and cloud backends, its HF API endpoint, its page and the gallery it keeps.</summary>
    public static IServiceCollection AddTextToImageFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLocalTextToImage(configuration).AddCloudTextToImage(configuration);
        services.AddAppDatabase(configuration);
        services.AddOptions<GalleryOptions>().Bind(configuration.GetSection(GalleryOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<GalleryStore>();
        var limits = configuration.GetSection(TextToImageOptions.Section).Get<TextToImageOptions>() ?? new();
        services.AddLargestInput(limits.MaxPromptCharacters * 2);
        services.AddHfTaskEndpoint(new TextToImageApi());
        services.AddEndpoints(app => app.MapGet(GalleryEndpoints.Route, GalleryEndpoints.GetAsync));
        services.AddSingleton(new TaskPage("Image", "image", Icons.Material.Filled.Image,
            "A picture from a prompt, drawn step by step with a live preview.",
            Sample: "A lighthouse on a cliff at sunset, oil painting"));
        return services;
    }
}
