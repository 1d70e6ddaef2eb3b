using Microsoft.AspNetCore.SignalR;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Hubs;

/// <summary>
/// The task streams over SignalR, for clients such as Microsoft.AspNetCore.SignalR.Client:
/// <c>connection.StreamAsync&lt;InferenceUpdate&lt;ClassifiedText&gt;&gt;("TextClassification", request)</c>.
/// Errors a user can act on arrive as <see cref="HubException"/> with their message.
/// </summary>
public sealed class InferenceHub(TextClassificationService textClassification) : Hub
{
    public const string Path = "/hubs/inference";

    public IAsyncEnumerable<InferenceUpdate<ClassifiedText>> TextClassification(
        TextClassificationRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return WithHubErrors(textClassification.ClassifyAsync(request, cancellationToken), cancellationToken);
        }
        catch (InferenceException ex)
        {
            throw new HubException(ex.Message);
        }
    }

    // SignalR hides ordinary exception messages from clients; these are meant to be read.
    private static IAsyncEnumerable<T> WithHubErrors<T>(IAsyncEnumerable<T> stream, CancellationToken ct) =>
        stream.Translate<T, T>(item => item, error => throw new HubException(error.Message), ct);
}
