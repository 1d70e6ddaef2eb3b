using System.Text.Json;
using WebDemo.Inference.Tasks.Generation;

namespace WebDemo.Inference.Onnx.Generation;

/// <summary>Reads the generation settings of a repository's generation_config.json and config.json, as transformers does.</summary>
internal static class GenerationConfigJson
{
    /// <summary>
    /// The end-of-sequence ids: eos_token_id (a number or a list) of the first of <paramref name="sources"/>
    /// that has one (generation_config.json before config.json); empty when none does.
    /// </summary>
    public static HashSet<int> EosIds(params JsonElement?[] sources)
    {
        foreach (var source in sources)
        {
            if (source is { } s && s.TryGetProperty("eos_token_id", out var e))
            {
                if (e.ValueKind == JsonValueKind.Number)
                    return [e.GetInt32()];
                if (e.ValueKind == JsonValueKind.Array)
                    return [.. e.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Number).Select(x => x.GetInt32())];
            }
        }
        return [];
    }

    /// <summary>The generation parameters a JSON object sets (generation_config.json, a task preset); null where it sets none.</summary>
    public static GenerationParameters Parameters(JsonElement json)
    {
        int? Int(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
        double? Double(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        bool? Bool(string name) => json.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
        return new GenerationParameters
        {
            MaxNewTokens = Int("max_new_tokens"),
            MinNewTokens = Int("min_new_tokens"),
            MaxLength = Int("max_length"),
            MinLength = Int("min_length"),
            DoSample = Bool("do_sample"),
            Temperature = Double("temperature"),
            TopK = Int("top_k"),
            TopP = Double("top_p"),
            RepetitionPenalty = Double("repetition_penalty"),
            NoRepeatNgramSize = Int("no_repeat_ngram_size"),
            NumBeams = Int("num_beams"),
            LengthPenalty = Double("length_penalty"),
            EarlyStopping = Bool("early_stopping"),
        };
    }
}
