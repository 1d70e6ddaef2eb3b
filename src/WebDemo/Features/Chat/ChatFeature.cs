using WebDemo.Api;
using WebDemo.Inference.Remote.Tasks.Chat;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Features.Chat;

internal static class ChatFeature
{
    /// <summary>Chat: the task with its cloud backends, and the app's OpenAI-compatible endpoints (chat completions, the model list).</summary>
    public static IServiceCollection AddChatFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCloudChat(configuration);
        services.AddSingleton<ChatCompletionsApi>();
        services.AddEndpoints(app => app.MapPost(ChatCompletionsApi.Route,
                (HttpContext http, ChatCompletionsApi format, IInferenceTask<ChatRequest, ChatDelta> chat, CancellationToken ct) =>
                    TaskHttp.HandleAsync(http, format, chat, ct))
            .DisableAntiforgery());
        services.AddEndpoints(app => app.MapGet(ModelsApi.Route, ModelsApi.List));
        return services;
    }
}
