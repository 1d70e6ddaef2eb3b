using System.Text.Json.Serialization.Metadata;
using WebDemo.Api;
using WebDemo.Inference.Json;
using WebDemo.Inference.Tasks.Generation;
using WebDemo.Inference.Tasks.Translation;

namespace WebDemo.Features.Translation;

/// <summary>Translation in the HF wire format: <c>{"inputs": "text", "parameters": {"src_lang", "tgt_lang", ...}}</c> → <c>[{"translation_text": "..."}]</c>.</summary>
internal sealed class TranslationApi : HfWireFormat<TextToTextInput, TranslationRequest, GeneratedText>
{
    public override JsonTypeInfo<TextToTextInput> WireType => InferenceJsonContext.Default.TextToTextInput;

    public override string ExpectedBody => "{\"inputs\": \"some text\", \"parameters\": {\"src_lang\": \"en\", \"tgt_lang\": \"fr\"}}";

    protected override TranslationRequest ToRequest(TextToTextInput wire, string model, string? provider, bool failover) =>
        new(wire.Inputs ?? throw new BadBodyException(ShapeErrorStatus, "The body has no \"inputs\": send the text as a string."),
            wire.Parameters?.SrcLang, wire.Parameters?.TgtLang, wire.Parameters?.Generation, model, provider, failover);

    protected override IResult Answer(IReadOnlyList<GeneratedText> items) =>
        Results.Json([new TranslationAnswer(string.Concat(items.Select(i => i.Text)))], InferenceJsonContext.Default.IReadOnlyListTranslationAnswer);
}
