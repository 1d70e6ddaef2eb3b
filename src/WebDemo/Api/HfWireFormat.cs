using System.Net.ServerSentEvents;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;

namespace WebDemo.Api;

/// <summary>
/// The Hugging Face Inference API's way of speaking HTTP, the same for every task:
/// <c>POST /models/{org}/{name}</c> or router-style <c>POST /{provider}/models/{org}/{name}</c>
/// with <c>{"inputs", "parameters"}</c>; errors as problem+json; <c>Accept: text/event-stream</c>
/// streams the updates as server-sent events. A task adds its body record and its answer.
/// </summary>
internal abstract class HfWireFormat<TWire, TRequest, TItem> : WireFormat<TWire, TRequest, TItem> where TRequest : ITaskRequest
{
    public override int ShapeErrorStatus => StatusCodes.Status422UnprocessableEntity;

    /// <summary>The task's request for the model and provider the path names; <paramref name="failover"/> from <c>?failover=true</c>.</summary>
    protected abstract TRequest ToRequest(TWire wire, string model, string? provider, bool failover);

    /// <summary>The task's answer in the HF shape, from the items in the order they streamed.</summary>
    protected abstract IResult Answer(IReadOnlyList<TItem> items);

    public override TRequest ToRequest(TWire wire, HttpContext http) =>
        ToRequest(wire, $"{http.GetRouteValue("org")}/{http.GetRouteValue("name")}", http.GetRouteValue("provider") as string, TaskHttp.Failover(http));

    public override bool WantsStream(TWire wire, HttpContext http) =>
        http.Request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>Each update as an event named by its kind; an error ends the stream with an "error" event.</summary>
    public override IResult Stream(IAsyncEnumerable<InferenceUpdate<TItem>> updates, TRequest request, CancellationToken ct) =>
        TypedResults.ServerSentEvents(updates.Translate(
            update => new SseItem<object>(update, update.Kind.ToString().ToLowerInvariant()),
            error => new SseItem<object>(new { error = error.Message, status = InferenceProblems.StatusCodeFor(error.Kind) }, "error"),
            ct));

    public override IResult Complete(IReadOnlyList<TItem> items, Provenance? provenance, TRequest request, HttpContext http)
    {
        if (provenance is not null)
        {
            TaskHttp.WriteProvenanceHeaders(http, provenance);
            http.Response.Headers["x-webdemo-model"] = provenance.Model;
            http.Response.Headers["Server-Timing"] = $"inference;dur={provenance.TotalMs:0.0}";
        }
        return Answer(items);
    }

    public override IResult Error(int status, string message, TimeSpan? retryAfter = null) =>
        InferenceProblems.Problem(status, message, retryAfter);
}

/// <summary>One task's HF endpoint, as the API's routes see it: the task, and how to answer a call to it.</summary>
internal interface ITaskEndpoint
{
    IInferenceTask Task { get; }

    Task<IResult> HandleAsync(HttpContext http, CancellationToken ct);
}

internal sealed class HfTaskEndpoint<TWire, TRequest, TItem>(IInferenceTask<TRequest, TItem> task, HfWireFormat<TWire, TRequest, TItem> format)
    : ITaskEndpoint where TRequest : ITaskRequest
{
    public IInferenceTask Task => task;

    public Task<IResult> HandleAsync(HttpContext http, CancellationToken ct) => TaskHttp.HandleAsync(http, format, task, ct);
}

internal static class TaskEndpointRegistration
{
    /// <summary>Serves a task at the HF API's routes in the given wire format.</summary>
    public static IServiceCollection AddHfTaskEndpoint<TWire, TRequest, TItem>(this IServiceCollection services, HfWireFormat<TWire, TRequest, TItem> format)
        where TRequest : ITaskRequest =>
        services.AddSingleton<ITaskEndpoint>(sp => new HfTaskEndpoint<TWire, TRequest, TItem>(sp.GetRequiredService<IInferenceTask<TRequest, TItem>>(), format));
}
