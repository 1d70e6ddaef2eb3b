using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;
using WebDemo.Hosting;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Usage;

namespace WebDemo.Hubs;

/// <summary>
/// The task streams over SignalR, for clients such as Microsoft.AspNetCore.SignalR.Client:
/// <c>connection.StreamAsync&lt;InferenceUpdate&lt;T&gt;&gt;("TaskMethod", request)</c>. Each task's
/// method lives in its feature folder (a partial of this class). Errors a user can act on
/// arrive as <see cref="HubException"/> with their message.
/// </summary>
/// <remarks>
/// This class logs what goes wrong at the level it deserves: an error meant for the caller (bad
/// input, an unknown model, a provider's refusal) at Information without a stack trace, anything
/// else at Error with it. SignalR's dispatcher would log both as server errors, so its category
/// is set to Critical (<see cref="DispatcherLogCategory"/>).
/// </remarks>
public sealed partial class InferenceHub(IServiceProvider services, ILogger<InferenceHub> logger) : Hub
{
    public const string Path = "/hubs/inference";

    public const string DispatcherLogCategory = "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher";

    private IAsyncEnumerable<InferenceUpdate<TItem>> Run<TRequest, TItem>(TRequest request, CancellationToken cancellationToken,
        [CallerMemberName] string method = "")
        where TRequest : ITaskRequest
    {
        if (request is null)
            throw new HubException($"{method} needs a request object (its fields as the HTTP API takes them); null was sent.");
        var task = services.GetRequiredService<IInferenceTask<TRequest, TItem>>();
        var limits = services.GetRequiredService<ClientRateLimits>();
        if (limits.TryStart(Context.GetHttpContext()?.Connection.RemoteIpAddress) is { } wait)
        {
            logger.LogInformation("Hub call {Method} refused: rate limited.", method);
            throw new HubException(limits.Refusal(wait));
        }
        IAsyncEnumerable<InferenceUpdate<TItem>> updates;
        try
        {
            using (UsageContext.Enter(UsageContext.Hub, BrowserIds.Of(Context.GetHttpContext())))
                updates = task.RunAsync(request, cancellationToken);
        }
        catch (InferenceException ex)
        {
            logger.LogInformation("Hub call {Method} refused: {Reason}", method, ex.Message);
            throw new HubException(ex.Message);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Hub call {Method} failed.", method);
            throw;
        }
        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        return Observed(updates.EndOnShutdown(stopping, cancellationToken), method, cancellationToken);
    }

    private async IAsyncEnumerable<T> Observed<T>(IAsyncEnumerable<T> updates, string method, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var items = updates.GetAsyncEnumerator(ct);
        while (true)
        {
            try
            {
                if (!await items.MoveNextAsync())
                    yield break;
            }
            catch (InferenceException ex)
            {
                // SignalR hides ordinary exception messages from clients; these are meant to be read.
                logger.LogInformation("Hub call {Method} ended: {Reason}", method, ex.Message);
                throw new HubException(ex.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Hub call {Method} failed.", method);
                throw;
            }
            yield return items.Current;
        }
    }
}
