using System.Text.Json;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.Generation;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Tasks.Generation;

namespace WebDemo.Inference.Onnx.Tasks.Chat;

/// <summary>
/// What generation needs from a causal language model's config.json and generation_config.json:
/// the end ids, the vocabulary size, how many positions it was trained for, and its generation defaults.
/// </summary>
/// <param name="ContextLength">max_position_embeddings (or n_positions); null when config.json gives neither.</param>
internal sealed record CausalLmConfig(IReadOnlySet<int> EosIds, int VocabSize, int? ContextLength, GenerationParameters Defaults)
{
    public static CausalLmConfig Load(ModelSnapshot snapshot)
    {
        var config = snapshot.ReadJson("config.json")
            ?? throw new InferenceException(InferenceErrorKind.ModelNotFound, $"'{snapshot.RepoId}' has no config.json.");
        var generation = snapshot.ReadJson("generation_config.json");
        int? Int(string name) => config.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
        var vocab = Int("vocab_size") ?? throw new InferenceException(InferenceErrorKind.ModelUnavailable,
            $"config.json of '{snapshot.RepoId}' has no vocab_size.");
        return new CausalLmConfig(
            GenerationConfigJson.EosIds(generation, config), vocab, Int("max_position_embeddings") ?? Int("n_positions"),
            generation is { } g ? GenerationConfigJson.Parameters(g) : new GenerationParameters());
    }
}
