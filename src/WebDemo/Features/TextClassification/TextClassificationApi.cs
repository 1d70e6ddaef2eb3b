using System.Text.Json.Serialization.Metadata;
using WebDemo.Api;
using WebDemo.Inference.Json;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Features.TextClassification;

/// <summary>
/// Text classification in the HF wire format: <c>{"inputs": "text" | ["t1", "t2"], "parameters": {"top_k": n}}</c>,
/// answering one <c>[{"label", "score"}, ...]</c> list per input, as the hf-inference server does.
/// </summary>
internal sealed class TextClassificationApi : HfWireFormat<TextClassificationInput, TextClassificationRequest, ClassifiedText>
{
    public override JsonTypeInfo<TextClassificationInput> WireType => InferenceJsonContext.Default.TextClassificationInput;

    public override string ExpectedBody => "{\"inputs\": \"some text\" or [\"text\", ...], \"parameters\": {\"top_k\": 2}}";

    protected override TextClassificationRequest ToRequest(TextClassificationInput wire, string model, string? provider, bool failover)
    {
        if (wire.Inputs is null)
            throw new BadBodyException(ShapeErrorStatus, "The body has no \"inputs\": send a string or an array of strings.");
        if (wire.Parameters?.FunctionToApply is not null)
            throw new BadBodyException(ShapeErrorStatus,
                "\"parameters.function_to_apply\" is not supported here; scores use the model's own function (softmax, or sigmoid for multi-label models).");
        return new TextClassificationRequest(wire.Inputs, model, wire.Parameters?.TopK, provider, failover);
    }

    protected override IResult Answer(IReadOnlyList<ClassifiedText> items) =>
        Results.Json(items.OrderBy(r => r.Index).Select(r => r.Labels).ToList(),
            InferenceJsonContext.Default.IReadOnlyListIReadOnlyListLabelScore);
}
