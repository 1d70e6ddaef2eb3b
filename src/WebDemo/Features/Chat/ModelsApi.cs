using WebDemo.Inference.Json;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Features.Chat;

/// <summary>
/// <c>GET /v1/models</c> in OpenAI's list shape, so OpenAI clients (<c>models.list()</c>) can see
/// what to ask for: every chat model the app serves, local models first, then the Hugging Face
/// router's (Chat:DefaultModel, Chat:Models) and the OpenAI-compatible servers' (as last read).
/// </summary>
internal static class ModelsApi
{
    public const string Route = "/v1/models";

    /// <summary>When this process started: the <c>created</c> of every model (none of them has a date of its own here).</summary>
    private static readonly long Started = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static IResult List(IInferenceTask<ChatRequest, ChatDelta> chat)
    {
        var local = chat.LocalModels;
        var models = chat.Models.Select(id => new OpenAIModelCard(id, "model", Started, local.Contains(id) ? "local" : "webdemo")).ToList();
        return Results.Json(new OpenAIModelList("list", models), InferenceJsonContext.Default.OpenAIModelList);
    }
}
