using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace WebDemo.Inference.Tasks.Chat;

public static class ChatRegistration
{
    /// <summary>The chat task and its options (section "Chat", validated at start). Backends register themselves.</summary>
    public static IServiceCollection AddChatTask(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(ChatTask)))
            return services; // already added, by the host or by a backend's registration
        services.AddOptions<ChatTaskOptions>().Bind(configuration.GetSection(ChatTaskOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddInferenceTask<ChatRequest, ChatDelta, ChatTask>(configuration);
        return services;
    }
}
