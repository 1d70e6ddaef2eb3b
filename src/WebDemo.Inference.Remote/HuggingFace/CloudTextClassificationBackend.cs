using System.Runtime.CompilerServices;
using System.Text.Json;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>
/// Text classification at one provider through the router. Each text is one request, so each
/// line's result streams out as soon as the provider answers it.
/// </summary>
public sealed class CloudTextClassificationBackend(string provider, string providerModel, HfTaskClient client) : ITextClassificationBackend
{
    public string Provider => provider;

    public string? Device => null;

    public IReadOnlyCollection<string> Models => [providerModel];

    public async IAsyncEnumerable<InferenceUpdate<ClassifiedText>> ClassifyAsync(
        TextClassificationCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < call.Inputs.Count; i++)
        {
            var payload = call.TopK is { } k
                ? (object)new { inputs = call.Inputs[i], parameters = new { top_k = k } }
                : new { inputs = call.Inputs[i] };
            var answer = new StrongBox<TaskResponse>();
            await foreach (var progress in ProgressStream.RunAsync(
                (report, ct) => client.PostAsync(provider, providerModel, payload, report, ct), answer, cancellationToken))
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
        var list = body.ValueKind == JsonValueKind.Array && body.GetArrayLength() > 0 && body[0].ValueKind == JsonValueKind.Array ? body[0] : body;
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            throw RouterErrors.Malformed(provider, "text-classification", "expected a list of {label, score}");
        var labels = new List<LabelScore>();
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("label", out var label) || label.ValueKind != JsonValueKind.String
                || !item.TryGetProperty("score", out var score) || !score.TryGetDouble(out var value))
                throw RouterErrors.Malformed(provider, "text-classification", "an item lacks a string label or a numeric score");
            labels.Add(new LabelScore(label.GetString()!, value));
        }
        return labels;
    }
}
