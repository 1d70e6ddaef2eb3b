using System.Text.Json;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.Tokenization;

namespace WebDemo.Inference.Onnx.Pipelines;

/// <summary>What a pipeline needs from a repository's config.json.</summary>
public sealed record ModelConfig(IReadOnlyList<string> Labels, int? MaxPositions, string? ProblemType)
{
    public static ModelConfig Load(string path, string repoId)
    {
        var json = WordPieceTextEncoder.ReadJson(path)
            ?? throw new InferenceException(InferenceErrorKind.ModelNotFound, $"Model '{repoId}' has no config.json.");

        var labels = new SortedDictionary<int, string>();
        if (json.TryGetProperty("id2label", out var id2label) && id2label.ValueKind == JsonValueKind.Object)
        {
            foreach (var pair in id2label.EnumerateObject())
            {
                if (int.TryParse(pair.Name, out var id) && pair.Value.ValueKind == JsonValueKind.String)
                    labels[id] = pair.Value.GetString()!;
            }
        }
        if (labels.Count == 0 || labels.Keys.Max() != labels.Count - 1)
            throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"config.json of '{repoId}' has no usable id2label; a classifier needs one label per output.");

        int? maxPositions = json.TryGetProperty("max_position_embeddings", out var max) && max.TryGetInt32(out var m) ? m : null;
        var problemType = json.TryGetProperty("problem_type", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        return new ModelConfig(labels.Values.ToList(), maxPositions, problemType);
    }
}
