using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Inference.Onnx.Tasks.Chat;

public static class LocalChatRegistration
{
    /// <summary>Local chat on decoder-only ONNX models (LocalModels entries with Task "text-generation"), with the ONNX runtime they need.</summary>
    public static IServiceCollection AddLocalChat(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOnnxInference(configuration).AddChatTask(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILocalModelKind, LocalChatModelKind>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILocalTaskBackend<ChatCall, ChatDelta>, LocalChatBackend>());
        return services;
    }
}
