using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Remote.OpenAICompatible;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Inference.Remote.Tasks.Chat;

public static class CloudChatRegistration
{
    /// <summary>
    /// Chat through the operator's OpenAI-compatible servers and Hugging Face Inference Providers (the
    /// router's OpenAI-compatible endpoint), with the clients they need (<see cref="ChatBackends"/>).
    /// </summary>
    public static IServiceCollection AddCloudChat(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHuggingFaceRouter(configuration).AddOpenAICompatibleServers(configuration).AddChatTask(configuration);
        services.TryAddSingleton<CloudChat>();
        services.TryAddSingleton<ICloudTaskBackends<ChatCall, ChatDelta>, ChatBackends>();
        return services;
    }
}
