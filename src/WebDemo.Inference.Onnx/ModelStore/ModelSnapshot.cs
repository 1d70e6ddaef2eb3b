using System.Text.Json;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Json;

namespace WebDemo.Inference.Onnx.ModelStore;

/// <summary>A file a task needs from a model repository.</summary>
internal sealed record ModelFile(string Path, bool Required = true);

/// <summary>The files of one model on local disk, ready to load.</summary>
/// <param name="Revision">The commit the files belong to; null for a local folder.</param>
/// <param name="Files">Repository path → full local path, for the files that exist.</param>
internal sealed record ModelSnapshot(string RepoId, string? Revision, string Directory, IReadOnlyDictionary<string, string> Files)
{
    public string? TryGet(string path) => Files.TryGetValue(path, out var full) ? full : null;

    public string Get(string path) => TryGet(path)
        ?? throw new InvalidOperationException($"'{path}' is not part of model '{RepoId}'.");

    /// <summary>A JSON file of the snapshot (config.json, tokenizer_config.json), or null when the repository has none.</summary>
    public JsonElement? ReadJson(string path)
    {
        try
        {
            return JsonElementExtensions.ReadFile(TryGet(path));
        }
        catch (JsonException ex)
        {
            throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"'{path}' of '{RepoId}' is not valid JSON ({ex.Message}); the cached copy may be corrupt.", ex);
        }
    }
}
