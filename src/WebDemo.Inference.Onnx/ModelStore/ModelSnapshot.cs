namespace WebDemo.Inference.Onnx.ModelStore;

/// <summary>A file a task needs from a model repository.</summary>
public sealed record ModelFile(string Path, bool Required = true);

/// <summary>The files of one model on local disk, ready to load.</summary>
/// <param name="Revision">The commit the files belong to; null for a local folder.</param>
/// <param name="Files">Repository path → full local path, for the files that exist.</param>
public sealed record ModelSnapshot(string RepoId, string? Revision, string Directory, IReadOnlyDictionary<string, string> Files)
{
    public string? TryGet(string path) => Files.TryGetValue(path, out var full) ? full : null;

    public string Get(string path) => TryGet(path)
        ?? throw new InvalidOperationException($"'{path}' is not part of model '{RepoId}'.");
}
