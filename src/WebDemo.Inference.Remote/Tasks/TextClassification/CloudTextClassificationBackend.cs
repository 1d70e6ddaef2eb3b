using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Json;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Inference.Remote.Tasks.TextClassification;

/// <summary>Text classification at the cloud providers that serve a model.</summary>
internal sealed class CloudTextClassification(HuggingFaceToken token, ProviderMapping mapping, RouterClient client, IOptions<CloudOptions> options)
    : RouterTaskBackends<TextClassificationCall, ClassifiedText>(token, mapping, options, TextClassificationRequest.TaskName)
{
    public override ITaskBackend<TextClassificationCall, ClassifiedText> Create(CloudProvider provider, string model) =>
        new CloudTextClassificationBackend(provider.Name, provider.ProviderModelId, client);
}

/// <summary>
/// Text classification at one provider through the router. Each text is one request, so each
/// line's result streams out as soon as the provider answers it.
/// </summary>
internal sealed class CloudTextClassificationBackend(string provider, string providerModel, RouterClient client)
    : ITaskBackend<TextClassificationCall, ClassifiedText>
{
    public string Provider => provider;

    public string? Device => null;

    public async IAsyncEnumerable<InferenceUpdate<ClassifiedText>> StreamAsync(
        TextClassificationCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < call.Inputs.Count; i++)
        {
            var body = new TextClassificationInput([call.Inputs[i]], call.TopK is { } k ? new TextClassificationParameters(TopK: k) : null);
            var answer = new StrongBox<TaskResponse>();
            await foreach (var progress in ProgressUpdates.RunAsync(
                (report, ct) => client.PostAsync(provider, providerModel, body, InferenceJsonContext.Default.TextClassificationInput, report, ct),
                answer, cancellationToken))
            {
                yield return InferenceUpdate<ClassifiedText>.ForProgress(progress);
            }
            var labels = ParseLabels(answer.Value!.Body);
            yield return InferenceUpdate<ClassifiedText>.ForPartial(new ClassifiedText(i, call.Inputs[i],
                labels.OrderByDescending(l => l.Score).Take(call.TopK ?? labels.Count).ToList(), Truncated: false, TokenCount: 0));
        }
    }

    /// <summary>hf-inference answers <c>[[{label, score}, ...]]</c> for one input; some servers drop the outer list.</summary>
    private IReadOnlyList<LabelScore> ParseLabels(JsonElement body)
    {
        try
        {
            var labels = body is { ValueKind: JsonValueKind.Array } && body.GetArrayLength() > 0 && body[0].ValueKind == JsonValueKind.Array
                ? body.Deserialize(InferenceJsonContext.Default.IReadOnlyListIReadOnlyListLabelScore)?.FirstOrDefault()
                : body.Deserialize(InferenceJsonContext.Default.IReadOnlyListLabelScore);
            if (labels is { Count: > 0 } && labels.All(l => l is not null))
                return labels;
        }
        catch (JsonException)
        {
        }
        throw RouterErrors.Malformed(provider, TextClassificationRequest.TaskName, "expected a list of {label, score}");
    }
}
