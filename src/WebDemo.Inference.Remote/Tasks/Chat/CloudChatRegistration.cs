using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Inference.Remote.Tasks.Chat;

public static class CloudChatRegistration
{
    /// <summary>Chat through Hugging Face Inference Providers (the router's OpenAI-compatible endpoint), with the router client it needs.</summary>
    public static IServiceCollection AddCloudChat(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHuggingFaceRouter(configuration).AddChatTask(configuration);
        services.TryAddSingleton<ICloudTaskBackends<ChatCall, ChatDelta>, CloudChat>();
        return services;
    }
}
