using Microsoft.AspNetCore.SignalR;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;

namespace WebDemo.Hubs;

/// <summary>
/// The task streams over SignalR, for clients such as Microsoft.AspNetCore.SignalR.Client:
/// <c>connection.StreamAsync&lt;InferenceUpdate&lt;T&gt;&gt;("TaskMethod", request)</c>. Each task's
/// method lives in its feature folder (a partial of this class). Errors a user can act on
/// arrive as <see cref="HubException"/> with their message.
/// </summary>
public sealed partial class InferenceHub(IServiceProvider services) : Hub
{
    public const string Path = "/hubs/inference";

    private IAsyncEnumerable<InferenceUpdate<TItem>> Run<TRequest, TItem>(TRequest request, CancellationToken cancellationToken)
        where TRequest : ITaskRequest
    {
        var task = services.GetRequiredService<IInferenceTask<TRequest, TItem>>();
        try
        {
            // SignalR hides ordinary exception messages from clients; these are meant to be read.
            return task.RunAsync(request, cancellationToken)
                .Translate<InferenceUpdate<TItem>, InferenceUpdate<TItem>>(item => item, error => throw new HubException(error.Message), cancellationToken);
        }
        catch (InferenceException ex)
        {
            throw new HubException(ex.Message);
        }
    }
}
