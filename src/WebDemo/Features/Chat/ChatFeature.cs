using MudBlazor;
using WebDemo.Api;
using WebDemo.Components.Layout;
using WebDemo.Data;
using WebDemo.Features.Chat.Conversations;
using WebDemo.Hosting;
using WebDemo.Inference.Onnx.Tasks.Chat;
using WebDemo.Inference.Remote.Tasks.Chat;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Features.Chat;

internal static class ChatFeature
{
    /// <summary>Chat: the task with its cloud backends, its page with the conversations it keeps, and the app's OpenAI-compatible endpoints (chat completions, the model list).</summary>
    public static IServiceCollection AddChatFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLocalChat(configuration).AddCloudChat(configuration);
        services.AddAppDatabase(configuration);
        services.AddOptions<ConversationOptions>().Bind(configuration.GetSection(ConversationOptions.Section))
            .Validate(o => o.MaxPerBrowser > 0 && o.MaxAgeDays > 0 && o.MaxKilobytes > 0,
                "Conversations:MaxPerBrowser, MaxAgeDays and MaxKilobytes must be positive.")
            .ValidateOnStart();
        services.AddSingleton<ConversationStore>();
        var limits = configuration.GetSection(ChatTaskOptions.Section).Get<ChatTaskOptions>() ?? new();
        services.AddLargestInput(limits.MaxCharacters);
        services.AddSingleton(new TaskPage("Chat", "chat", Icons.Material.Filled.Chat,
            "Talk with a language model: the answer streams in; conversations are kept in this browser.",
            Sample: "Explain the KV cache in two sentences."));
        services.AddSingleton<ChatCompletionsApi>();
        services.AddEndpoints(app => app.MapPost(ChatCompletionsApi.Route,
                (HttpContext http, ChatCompletionsApi format, IInferenceTask<ChatRequest, ChatDelta> chat, CancellationToken ct) =>
                    TaskHttp.HandleAsync(http, format, chat, ct))
            .DisableAntiforgery());
        services.AddEndpoints(app => app.MapGet(ModelsApi.Route, ModelsApi.List));
        return services;
    }
}
