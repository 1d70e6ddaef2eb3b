using System.Text.Json;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.Generation;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Tasks.Generation;

namespace WebDemo.Inference.Onnx.Tasks.TextToText;

/// <summary>One entry of config.json's task_specific_params: the prefix a T5 expects and that task's generation defaults.</summary>
internal sealed record TaskPreset(string Prefix, GenerationParameters Defaults);

/// <summary>
/// What generation needs from an encoder-decoder repository's config.json and
/// generation_config.json: the start, end and pad ids, the vocabulary size, the generation
/// defaults, and the per-task presets ("summarization", "translation_en_to_fr", …).
/// </summary>
internal sealed record TextToTextConfig(
    int DecoderStartId, IReadOnlySet<int> EosIds, int PadId, int VocabSize,
    GenerationParameters Defaults, IReadOnlyDictionary<string, TaskPreset> Presets)
{
    public static TextToTextConfig Load(ModelSnapshot snapshot)
    {
        var config = snapshot.ReadJson("config.json")
            ?? throw new InferenceException(InferenceErrorKind.ModelNotFound, $"'{snapshot.RepoId}' has no config.json.");
        var generation = snapshot.ReadJson("generation_config.json");

        int? Int(string name) =>
            generation is { } g && g.TryGetProperty(name, out var gv) && gv.ValueKind == JsonValueKind.Number ? gv.GetInt32()
            : config.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

        var eos = GenerationConfigJson.EosIds(generation, config);
        var pad = Int("pad_token_id") ?? 0;
        var start = Int("decoder_start_token_id") ?? pad;
        var vocab = Int("vocab_size") ?? throw new InferenceException(InferenceErrorKind.ModelUnavailable,
            $"config.json of '{snapshot.RepoId}' has no vocab_size.");
        if (eos.Count == 0)
            eos.Add(1);

        var presets = new Dictionary<string, TaskPreset>(StringComparer.Ordinal);
        if (config.TryGetProperty("task_specific_params", out var tasks) && tasks.ValueKind == JsonValueKind.Object)
        {
            foreach (var task in tasks.EnumerateObject())
            {
                var prefix = task.Value.TryGetProperty("prefix", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "";
                presets[task.Name] = new TaskPreset(prefix, GenerationConfigJson.Parameters(task.Value));
            }
        }
        return new TextToTextConfig(start, eos, pad, vocab, generation is { } gen ? GenerationConfigJson.Parameters(gen) : new GenerationParameters(), presets);
    }

    /// <summary>The language pairs the model was trained for, from its "translation_xx_to_yy" presets.</summary>
    public IReadOnlyList<(string Source, string Target)> LanguagePairs => Presets.Keys
        .Where(k => k.StartsWith("translation_", StringComparison.Ordinal) && k.Contains("_to_", StringComparison.Ordinal))
        .Select(k => k["translation_".Length..].Split("_to_"))
        .Where(p => p.Length == 2)
        .Select(p => (p[0], p[1]))
        .ToList();
}
