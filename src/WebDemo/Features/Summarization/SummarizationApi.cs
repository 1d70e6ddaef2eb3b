using System.Text.Json.Serialization.Metadata;
using WebDemo.Api;
using WebDemo.Inference.Json;
using WebDemo.Inference.Tasks.Generation;
using WebDemo.Inference.Tasks.Summarization;

namespace WebDemo.Features.Summarization;

/// <summary>Summarization in the HF wire format: <c>{"inputs": "text", "parameters": {...}}</c> → <c>[{"summary_text": "..."}]</c>.</summary>
internal sealed class SummarizationApi : HfWireFormat<TextToTextInput, SummarizationRequest, GeneratedText>
{
    public override JsonTypeInfo<TextToTextInput> WireType => InferenceJsonContext.Default.TextToTextInput;

    public override string ExpectedBody => "{\"inputs\": \"a long text\", \"parameters\": {\"max_new_tokens\": 60}}";

    protected override SummarizationRequest ToRequest(TextToTextInput wire, string model, string? provider, bool failover) =>
        new(wire.Inputs ?? throw new BadBodyException(ShapeErrorStatus, "The body has no \"inputs\": send the text as a string."),
            wire.Parameters?.Generation, model, provider, failover);

    protected override IResult Answer(IReadOnlyList<GeneratedText> items) =>
        Results.Json([new SummaryAnswer(string.Concat(items.Select(i => i.Text)))], InferenceJsonContext.Default.IReadOnlyListSummaryAnswer);
}
