using System.Text.Json;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Json;
using WebDemo.Inference.Onnx.ModelStore;

namespace WebDemo.Inference.Onnx.Tasks.TextClassification;

/// <summary>What a sequence classifier needs from its repository's config.json: one label per output.</summary>
internal sealed record ClassifierConfig(IReadOnlyList<string> Labels, int? MaxPositions, string? ProblemType)
{
    public static ClassifierConfig Load(ModelSnapshot snapshot)
    {
        var json = snapshot.ReadJson("config.json")
            ?? throw new InferenceException(InferenceErrorKind.ModelNotFound, $"Model '{snapshot.RepoId}' has no config.json.");

        var labels = new SortedDictionary<int, string>();
        if (json.Member("id2label") is { ValueKind: JsonValueKind.Object } id2label)
        {
            foreach (var pair in id2label.EnumerateObject())
            {
                if (int.TryParse(pair.Name, out var id) && pair.Value.ValueKind == JsonValueKind.String)
                    labels[id] = pair.Value.GetString()!;
            }
        }
        if (labels.Count == 0 || labels.Keys.Max() != labels.Count - 1)
            throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"config.json of '{snapshot.RepoId}' has no usable id2label; a classifier needs one label per output.");

        return new ClassifierConfig(labels.Values.ToList(), json.IntOrNull("max_position_embeddings"), json.StringOrNull("problem_type"));
    }
}
