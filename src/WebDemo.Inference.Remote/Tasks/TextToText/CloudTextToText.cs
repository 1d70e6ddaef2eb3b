using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Json;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Generation;
using WebDemo.Inference.Tasks.Summarization;
using WebDemo.Inference.Tasks.Translation;

namespace WebDemo.Inference.Remote.Tasks.TextToText;

/// <summary>Summarization at the cloud providers that serve a model.</summary>
internal sealed class CloudSummarization(HuggingFaceToken token, ProviderMapping mapping, RouterClient client, IOptions<CloudOptions> options)
    : RouterTaskBackends<SummarizationCall, GeneratedText>(token, mapping, options, SummarizationRequest.TaskName)
{
    public override ITaskBackend<SummarizationCall, GeneratedText> Create(CloudProvider provider, string model) =>
        new CloudTextToTextBackend<SummarizationCall>(provider.Name, provider.ProviderModelId, client, SummarizationRequest.TaskName, "summary_text",
            call => new TextToTextInput(call.Input, Parameters(call.Parameters, null, null)));

    /// <summary>
    /// The HF body's parameters, the generation ones flat beside src_lang/tgt_lang as the transformers
    /// pipelines take them. hf-inference (huggingface-inference-toolkit) passes "parameters" to the
    /// pipeline as keyword arguments and unfolds "generate_parameters" only for translation and
    /// text-generation, so a summarization body that nested them would be refused there. "seed" is
    /// left out: transformers' generate() has no such argument and refuses unknown ones.
    /// </summary>
    internal static TextToTextParameters? Parameters(GenerationParameters generation, string? source, string? target)
    {
        var sent = generation with { Seed = null };
        return sent == new GenerationParameters() && source is null && target is null ? null : TextToTextParameters.Flat(sent, source, target);
    }
}

/// <summary>Translation at the cloud providers that serve a model.</summary>
internal sealed class CloudTranslation(HuggingFaceToken token, ProviderMapping mapping, RouterClient client, IOptions<CloudOptions> options)
    : RouterTaskBackends<TranslationCall, GeneratedText>(token, mapping, options, TranslationRequest.TaskName)
{
    public override ITaskBackend<TranslationCall, GeneratedText> Create(CloudProvider provider, string model) =>
        new CloudTextToTextBackend<TranslationCall>(provider.Name, provider.ProviderModelId, client, TranslationRequest.TaskName, "translation_text",
            call => new TextToTextInput(call.Input, CloudSummarization.Parameters(call.Parameters, call.SourceLanguage, call.TargetLanguage)));
}

/// <summary>
/// One provider's answer for a text-to-text task: the Inference API answers the whole text at
/// once (<c>[{"summary_text": "..."}]</c>), so it arrives as one piece.
/// </summary>
internal sealed class CloudTextToTextBackend<TCall>(
    string provider, string providerModel, RouterClient client, string task, string answerField, Func<TCall, TextToTextInput> body)
    : ITaskBackend<TCall, GeneratedText>
{
    public string Provider => provider;

    public string? Device => null;

    public async IAsyncEnumerable<InferenceUpdate<GeneratedText>> StreamAsync(TCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var answer = new StrongBox<TaskResponse>();
        await foreach (var progress in ProgressUpdates.RunAsync(
            (report, ct) => client.PostAsync(provider, providerModel, body(call), InferenceJsonContext.Default.TextToTextInput, report, ct),
            answer, cancellationToken).ConfigureAwait(false))
        {
            yield return InferenceUpdate<GeneratedText>.ForProgress(progress);
        }
        yield return InferenceUpdate<GeneratedText>.ForPartial(new GeneratedText(Text(answer.Value!.Body), 0));
    }

    /// <summary><c>[{"summary_text": "..."}]</c>, or the object alone as some servers answer.</summary>
    private string Text(JsonElement body)
    {
        var item = body.ValueKind == JsonValueKind.Array && body.GetArrayLength() > 0 ? body[0] : body;
        if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty(answerField, out var text) && text.ValueKind == JsonValueKind.String)
            return text.GetString()!;
        throw RouterErrors.Malformed(provider, task, $"expected [{{\"{answerField}\": \"...\"}}]");
    }
}

public static class CloudTextToTextRegistration
{
    /// <summary>Summarization and translation through Hugging Face Inference Providers.</summary>
    public static IServiceCollection AddCloudTextToText(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHuggingFaceRouter(configuration).AddSummarizationTask(configuration).AddTranslationTask(configuration);
        services.TryAddSingleton<ICloudTaskBackends<SummarizationCall, GeneratedText>, CloudSummarization>();
        services.TryAddSingleton<ICloudTaskBackends<TranslationCall, GeneratedText>, CloudTranslation>();
        return services;
    }
}
