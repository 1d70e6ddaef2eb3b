using Microsoft.Extensions.Options;
using WebDemo.Inference.Queueing;
using WebDemo.Inference.Usage;
using WebDemo.Inference.Tasks.Generation;

namespace WebDemo.Inference.Tasks.Translation;

/// <summary>Translation: validates the text, the language codes and the generation parameters, then walks the provider chain.</summary>
internal sealed partial class TranslationTask(
    IEnumerable<ILocalTaskBackend<TranslationCall, GeneratedText>> localBackends,
    IOptions<TranslationOptions> options,
    ICloudTaskBackends<TranslationCall, GeneratedText>? cloud = null,
    TaskQueues? queues = null,
    UsageMetering? usage = null)
    : RoutedTask<TranslationRequest, TranslationCall, GeneratedText>(localBackends, cloud, queues, usage)
{
    protected override IReadOnlyList<string> CloudModels =>
        [options.Value.CloudModel, .. options.Value.CloudModels.Where(m => m != options.Value.CloudModel)];

    protected override void Validate(TranslationRequest request)
    {
        TextToTextValidation.Validate(request.Input, request.Parameters, options.Value);
        foreach (var (name, code) in new[] { ("src_lang", request.SourceLanguage), ("tgt_lang", request.TargetLanguage) })
        {
            if (code is not null && !LanguageCode().IsMatch(code))
                throw Invalid($"\"{name}\" must be a language code such as \"en\" or \"fr_XX\", not \"{code}\".");
        }
        if (request.SourceLanguage is not null && request.SourceLanguage == request.TargetLanguage)
            throw Invalid("The source and target languages are the same.");
    }

    protected override TranslationCall CreateCall(TranslationRequest request, string model) =>
        new(model, request.Input, request.SourceLanguage, request.TargetLanguage, request.Parameters ?? new GenerationParameters());

    protected override (int In, int Out) Tokens(GeneratedText item) => TextToTextValidation.Tokens(item);

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z]{2,3}([_-][A-Za-z]{2,4})?$")]
    private static partial System.Text.RegularExpressions.Regex LanguageCode();
}
