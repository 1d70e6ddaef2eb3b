using WebDemo.Inference.Tasks;

namespace WebDemo.Api;

/// <summary>
/// The Hugging Face Inference API over every task this app serves. A call goes to the task whose
/// models include the one in the path (as hf-inference dispatches by the model's pipeline tag),
/// or to the task named by <c>/models/{org}/{name}/pipeline/{task}</c>.
/// </summary>
internal sealed record FeatureEndpoints(Action<IEndpointRouteBuilder> Map);

internal static class TaskApi
{
    /// <summary>The HF API's routes, and every endpoint a feature added with <see cref="AddEndpoints"/>.</summary>
    public static void MapTaskApi(this IEndpointRouteBuilder app)
    {
        foreach (var endpoints in app.ServiceProvider.GetServices<FeatureEndpoints>())
            endpoints.Map(app);

        app.MapGet("/api/models", (IEnumerable<IInferenceTask> tasks) =>
            tasks.SelectMany(task => task.Models.Select(id => new { id, pipeline_tag = task.Name, local = task.LocalModels.Contains(id) })));
        app.MapCatalogueApi();

        app.MapPost("/models/{org}/{name}", ByModelAsync).DisableAntiforgery();
        app.MapPost("/{provider}/models/{org}/{name}", ByModelAsync).DisableAntiforgery();
        app.MapPost("/models/{org}/{name}/pipeline/{task}", ByTaskAsync).DisableAntiforgery();
        // As the router has it for hf-inference: /hf-inference/models/{id}/pipeline/{task}.
        app.MapPost("/{provider}/models/{org}/{name}/pipeline/{task}", ByTaskAsync).DisableAntiforgery();
    }

    /// <summary>Endpoints of a feature's own (a wire format that is not the HF API's, such as OpenAI's), mapped with the rest.</summary>
    public static IServiceCollection AddEndpoints(this IServiceCollection services, Action<IEndpointRouteBuilder> map) =>
        services.AddSingleton(new FeatureEndpoints(map));

    private static Task<IResult> ByModelAsync(string org, string name, HttpContext http, IEnumerable<ITaskEndpoint> endpoints, CancellationToken ct)
    {
        var model = $"{org}/{name}";
        var all = endpoints.ToList();
        var endpoint = all.FirstOrDefault(e => e.Task.Models.Contains(model));
        if (endpoint is null)
        {
            var available = all.SelectMany(e => e.Task.Models.Select(m => $"{m} ({e.Task.Name})"));
            return Task.FromResult(InferenceProblems.Problem(StatusCodes.Status404NotFound,
                $"Model '{model}' is not served here. Available: {string.Join(", ", available)}."));
        }
        return endpoint.HandleAsync(http, ct);
    }

    private static Task<IResult> ByTaskAsync(string task, HttpContext http, IEnumerable<ITaskEndpoint> endpoints, CancellationToken ct)
    {
        var all = endpoints.ToList();
        return all.FirstOrDefault(e => e.Task.Name == task) is { } endpoint
            ? endpoint.HandleAsync(http, ct)
            : Task.FromResult(InferenceProblems.Problem(StatusCodes.Status404NotFound,
                $"Task '{task}' is not served here. Available: {string.Join(", ", all.Select(e => e.Task.Name))}."));
    }
}
