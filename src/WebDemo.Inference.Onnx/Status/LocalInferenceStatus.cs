using Microsoft.Extensions.Options;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Status;

namespace WebDemo.Inference.Onnx.Status;

/// <summary>The Status page's account of local inference: the execution provider and why, where models come from, and each local model.</summary>
internal sealed class LocalInferenceStatus(LocalModelLoader loader, IOptions<HubOptions> hub) : IStatusContributor
{
    public IReadOnlyList<StatusSection> Describe()
    {
        var ep = loader.ExecutionProvider;
        var runtime = new StatusSection(10, "Local inference", "execution-provider",
        [
            new("ONNX Runtime execution provider:", [new(ep.Active, ep.RequiredCudaMissing ? StatusTone.Bad
                : ep.Cause is CudaUnavailableCause.None or CudaUnavailableCause.CpuBuild ? StatusTone.Info : StatusTone.Warning)],
                Caption: $"Available in this build: {string.Join(", ", ep.Available)}", After: $"Requested: `{ep.Requested}`. {ep.Reason}"),
            new($"Downloads from `{hub.Value.Endpoint}`" + (hub.Value.Offline ? " — offline mode (HF_HUB_OFFLINE): cache only." : "."), Id: "hub-endpoint"),
            new($"Cache: `{hub.Value.CacheDirectory}`"),
        ]);

        var rows = loader.Describe().Select(m => (IReadOnlyList<StatusCell>)
        [
            new StatusCell([$"`{m.Id}` ({m.Dtype})"]),
            m.Task,
            m.Files.Count == 0 ? "not downloaded yet" : new StatusCell(m.Files.Select(f => $"{f.Path} — {HubModelStore.FormatBytes(f.Bytes)}").ToList()),
            HubModelStore.FormatBytes(m.Files.Sum(f => f.Bytes)),
            new StatusCell([], m.Loaded ? new StatusChip(m.Provider is null ? "loaded" : $"loaded on {m.Provider}", StatusTone.Good)
                : m.Loading ? new StatusChip("loading", StatusTone.Info)
                : new StatusChip("not loaded"), m.LastError, Notes(m)),
        ]).ToList();
        var models = new StatusSection(30, "Local models", "local-models", [],
            new StatusTable(["Model", "Task", "Files", "Size", "State"], rows, "models", "No local models are configured (LocalModels:Models)."), Wide: true);
        return [runtime, models];
    }

    /// <summary>Where a loaded model's generation cache lives (CUDA) and how it decodes, in words; null when neither applies.</summary>
    private static string? Notes(LocalModelInfo m)
    {
        string?[] notes = [m.Cache is null ? null : "Key/value cache " + m.Cache + ".", m.Decoding];
        var said = notes.OfType<string>().ToList();
        return said.Count == 0 ? null : string.Join(" ", said);
    }
}
