using Microsoft.Extensions.Options;
using WebDemo.Inference.Queueing;
using WebDemo.Inference.Usage;
using WebDemo.Inference.Tasks.Generation;

namespace WebDemo.Inference.Tasks.Summarization;

/// <summary>Summarization: validates the text and the generation parameters, then walks the provider chain.</summary>
internal sealed class SummarizationTask(
    IEnumerable<ILocalTaskBackend<SummarizationCall, GeneratedText>> localBackends,
    IOptions<SummarizationOptions> options,
    ICloudTaskBackends<SummarizationCall, GeneratedText>? cloud = null,
    TaskQueues? queues = null,
    UsageMetering? usage = null)
    : RoutedTask<SummarizationRequest, SummarizationCall, GeneratedText>(localBackends, cloud, queues, usage)
{
    protected override IReadOnlyList<string> CloudModels =>
        [options.Value.CloudModel, .. options.Value.CloudModels.Where(m => m != options.Value.CloudModel)];

    protected override void Validate(SummarizationRequest request) =>
        TextToTextValidation.Validate(request.Input, request.Parameters, options.Value);

    protected override SummarizationCall CreateCall(SummarizationRequest request, string model) =>
        new(model, request.Input, request.Parameters ?? new GenerationParameters());

    protected override (int In, int Out) Tokens(GeneratedText item) => TextToTextValidation.Tokens(item);
}
