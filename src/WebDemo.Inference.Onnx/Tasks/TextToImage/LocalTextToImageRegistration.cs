using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Inference.Onnx.Tasks.TextToImage;

public static class LocalTextToImageRegistration
{
    /// <summary>
    /// Local text-to-image on Stable Diffusion ONNX exports in Optimum's layout (LocalModels entries
    /// with Task "text-to-image"), with the ONNX runtime they need.
    /// </summary>
    public static IServiceCollection AddLocalTextToImage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOnnxInference(configuration).AddTextToImageTask(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILocalModelKind, StableDiffusionModelKind>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILocalTaskBackend<TextToImageCall, GeneratedImage>, LocalTextToImageBackend>());
        return services;
    }
}
