using WebDemo.Inference.Queueing;
using WebDemo.Inference.Usage;
using Microsoft.Extensions.Options;

namespace WebDemo.Inference.Tasks.TextClassification;

/// <summary>
/// The text-classification task: validates a request, then plans and walks the provider chain
/// (<see cref="RoutedTask{TRequest, TCall, TItem}"/>). Every surface calls this and gets the same stream.
/// </summary>
internal sealed class TextClassificationTask(
    IEnumerable<ILocalTaskBackend<TextClassificationCall, ClassifiedText>> localBackends,
    IOptions<TextClassificationOptions> options,
    ICloudTaskBackends<TextClassificationCall, ClassifiedText>? cloud = null,
    TaskQueues? queues = null,
    UsageMetering? usage = null)
    : RoutedTask<TextClassificationRequest, TextClassificationCall, ClassifiedText>(localBackends, cloud, queues, usage)
{
    protected override IReadOnlyList<string> CloudModels => [options.Value.CloudModel];

    protected override void Validate(TextClassificationRequest request)
    {
        var limits = options.Value;
        if (request.Inputs is null || request.Inputs.Count == 0 || request.Inputs.All(string.IsNullOrWhiteSpace))
            throw Invalid("Enter at least one text to classify.");
        if (request.Inputs.Count > limits.MaxInputs)
            throw Invalid($"Too many texts: {request.Inputs.Count}. At most {limits.MaxInputs} per request.");
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            var text = request.Inputs[i];
            if (string.IsNullOrWhiteSpace(text))
                throw Invalid($"Text {i + 1} is empty.");
            if (text.Length > limits.MaxCharactersPerInput)
                throw Invalid($"Text {i + 1} is {text.Length:N0} characters long; at most {limits.MaxCharactersPerInput:N0} are accepted.");
        }
        if (request.TopK is < 1)
            throw Invalid("top_k must be a whole number of at least 1.");
    }

    protected override TextClassificationCall CreateCall(TextClassificationRequest request, string model) =>
        new(model, request.Inputs, request.TopK);

    protected override (int In, int Out) Tokens(ClassifiedText item) => (item.TokenCount, 0);
}
