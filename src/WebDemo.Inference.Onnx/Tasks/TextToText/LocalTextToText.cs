using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Generation;
using WebDemo.Inference.Tasks.Summarization;
using WebDemo.Inference.Tasks.Translation;

namespace WebDemo.Inference.Onnx.Tasks.TextToText;

/// <summary>How an encoder-decoder model configured for <typeparamref name="TRequest"/>'s task is fetched and loaded; one model serves both tasks when configured for both.</summary>
internal sealed class TextToTextModelKind<TRequest>(OnnxSessionFactory sessions, IOptions<OnnxRuntimeOptions> options) : ILocalModelKind where TRequest : ITaskRequest
{
    public string Task => TRequest.TaskName;

    public IReadOnlyList<ModelFile> FilesFor(LocalModelEntry entry) => TextToTextModel.FilesFor(entry, entry.SplitDecoder);

    public ILocalModel Load(ModelSnapshot snapshot, LocalModelEntry entry) =>
        TextToTextModel.Load(snapshot, entry, entry.SplitDecoder, sessions, options.Value.TextToTextMaxBatch, options.Value.PromptLookupTokens);
}

/// <summary>What the summarization and translation backends share: load the model with progress, then generate.</summary>
internal abstract class LocalTextToTextBackend<TCall>(LocalModelLoader loader, string task)
    : ILocalTaskBackend<TCall, GeneratedText>, IInputTokenCounter<TCall>
{
    protected LocalModelLoader Loader => loader;

    public string Provider => ProviderNames.Local;

    public string? Device => loader.ExecutionProvider.Active;

    public IReadOnlyCollection<string> Models => loader.ModelsFor(task).ToList();

    protected abstract (string Model, string Input, GenerationParameters Parameters, int MaxNewTokens) Describe(TCall call);

    /// <summary>The task preset (prefix and defaults) this call uses, or an error in words when the model has none for it.</summary>
    protected abstract TaskPreset? PresetFor(TextToTextModel model, TCall call);

    /// <summary>The tokens the model would read, prefix included, when it is loaded; a pair it lacks has no count (running it says why).</summary>
    public InputTokenCount? TryCount(TCall call)
    {
        var (modelId, input, _, _) = Describe(call);
        if (!Models.Contains(modelId) || !loader.TryGetLoaded<TextToTextModel>(modelId, out var model))
            return null;
        TaskPreset? preset;
        try
        {
            preset = PresetFor(model, call);
        }
        catch (InferenceException)
        {
            return null;
        }
        return new InputTokenCount(model.CountInputTokens(preset, input), model.MaxInputTokens);
    }

    public async IAsyncEnumerable<InferenceUpdate<GeneratedText>> StreamAsync(TCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (modelId, input, parameters, maxNewTokens) = Describe(call);
        var loaded = new StrongBox<TextToTextModel>();
        await foreach (var progress in ProgressUpdates.RunAsync(
            (report, ct) => loader.GetAsync<TextToTextModel>(modelId, task, report, ct), loaded, cancellationToken).ConfigureAwait(false))
        {
            yield return InferenceUpdate<GeneratedText>.ForProgress(progress);
        }
        var model = loaded.Value!;
        await foreach (var update in model.GenerateAsync(PresetFor(model, call), input, parameters, maxNewTokens, cancellationToken).ConfigureAwait(false))
            yield return update;
    }
}

internal sealed class LocalSummarizationBackend(LocalModelLoader loader, IOptions<SummarizationOptions> options)
    : LocalTextToTextBackend<SummarizationCall>(loader, SummarizationRequest.TaskName)
{
    protected override (string, string, GenerationParameters, int) Describe(SummarizationCall call) =>
        (call.Model, call.Input, call.Parameters, options.Value.MaxNewTokens);

    protected override TaskPreset? PresetFor(TextToTextModel model, SummarizationCall call) =>
        model.Config.Presets.GetValueOrDefault("summarization");
}

internal sealed class LocalTranslationBackend(LocalModelLoader models, IOptions<TranslationOptions> options)
    : LocalTextToTextBackend<TranslationCall>(models, TranslationRequest.TaskName), ITranslationLanguages
{
    public async Task<IReadOnlyList<LanguagePair>?> PairsAsync(string model, CancellationToken cancellationToken)
    {
        if (!Models.Contains(model))
            return null;
        var loaded = await Loader.GetAsync<TextToTextModel>(model, TranslationRequest.TaskName, null, cancellationToken).ConfigureAwait(false);
        return loaded.Config.LanguagePairs.Select(p => new LanguagePair(p.Source, p.Target)).ToList();
    }

    protected override (string, string, GenerationParameters, int) Describe(TranslationCall call) =>
        (call.Model, call.Input, call.Parameters, options.Value.MaxNewTokens);

    /// <summary>
    /// The model's "translation_{src}_to_{tgt}" preset. A T5 knows its pairs only by these; a pair
    /// it lacks is refused in words, listing those it has. No languages means its first pair.
    /// </summary>
    protected override TaskPreset? PresetFor(TextToTextModel model, TranslationCall call)
    {
        var pairs = model.Config.LanguagePairs;
        if (pairs.Count == 0)
            return null; // a model trained for one direction, which needs no prefix
        var (source, target) = (call.SourceLanguage ?? pairs[0].Source, call.TargetLanguage ?? pairs[0].Target);
        var key = $"translation_{Base(source)}_to_{Base(target)}";
        return model.Config.Presets.TryGetValue(key, out var preset)
            ? preset
            : throw new InferenceException(InferenceErrorKind.InvalidInput,
                $"{call.Model} does not translate {source} to {target}. It translates: {string.Join(", ", pairs.Select(p => $"{p.Source}→{p.Target}"))}.");
    }

    /// <summary>"fr_XX" (mBART's codes) → "fr", as T5's preset keys use.</summary>
    private static string Base(string code) => code.Split('_', '-')[0].ToLowerInvariant();
}
