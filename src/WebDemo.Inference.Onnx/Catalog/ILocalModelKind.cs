using WebDemo.Inference.Onnx.ModelStore;

namespace WebDemo.Inference.Onnx.Catalog;

/// <summary>A model loaded into ONNX Runtime, shared by every request for it.</summary>
internal interface ILocalModel : IDisposable
{
    /// <summary>How it generates, in words, where that says something an operator may want to know (the Status page, the log); null when nothing.</summary>
    string? Decoding => null;
}

/// <summary>
/// How one task's local models are fetched and loaded: which repository files they need, and
/// how those files become a loaded model. One per task; the loader knows none of them.
/// </summary>
internal interface ILocalModelKind
{
    /// <summary>The Hugging Face task name the configuration gives (<see cref="LocalModelEntry.Task"/>).</summary>
    string Task { get; }

    IReadOnlyList<ModelFile> FilesFor(LocalModelEntry entry);

    ILocalModel Load(ModelSnapshot snapshot, LocalModelEntry entry);
}
