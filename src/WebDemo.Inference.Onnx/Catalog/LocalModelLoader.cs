using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Onnx.Catalog;

/// <summary>What the Status page shows of one local model.</summary>
/// <param name="Files">The files on disk with their sizes; empty before the first download.</param>
/// <param name="Provider">The execution provider its sessions run on ("CUDA", "CPU"); null until it is loaded.</param>
/// <param name="Cache">On CUDA: where its generation caches stay between steps, in words; null otherwise.</param>
/// <param name="Decoding">How a loaded generation model decodes (<see cref="ILocalModel.Decoding"/>); null otherwise.</param>
internal sealed record LocalModelInfo(
    string Id, string Task, string Dtype, bool Loaded, bool Loading,
    IReadOnlyList<(string Path, long Bytes)> Files, string? Directory, string? LastError, string? Provider = null, string? Cache = null,
    string? Decoding = null);

/// <summary>
/// Downloads (on first use) and loads each configured local model once; concurrent requests
/// for the same model share one load and then one loaded model. What a model needs and how it
/// loads comes from its task's <see cref="ILocalModelKind"/>.
/// </summary>
internal sealed class LocalModelLoader(
    HubModelStore store,
    OnnxSessionFactory sessions,
    IEnumerable<ILocalModelKind> kinds,
    IOptions<LocalModelOptions> options,
    ILogger<LocalModelLoader> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ILocalModel>>> _models = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _errors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LocalModelEntry> _loadedAs = new(StringComparer.Ordinal); // the dtype each model was loaded with
    private readonly IReadOnlyDictionary<string, ILocalModelKind> _kinds = kinds.ToDictionary(k => k.Task, StringComparer.Ordinal);

    public IReadOnlyList<LocalModelEntry> Entries => options.Value.Models;

    public ExecutionProviderStatus ExecutionProvider => sessions.Status;

    /// <summary>Downloads and loads every entry marked Preload, one after another; failures are logged and shown on the Status page.</summary>
    public async Task PreloadAsync(CancellationToken cancellationToken)
    {
        foreach (var entry in Entries.Where(e => e.Preload))
        {
            try
            {
                await GetAsync<ILocalModel>(entry.Id, entry.Task, null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Preloading {Model} failed: {Error}", entry.Id, ex.Message);
            }
        }
    }

    /// <summary>The entries marked Preload that are not loaded yet.</summary>
    public IReadOnlyList<string> NotYetPreloaded => Entries.Where(e => e.Preload && !IsLoaded(e.Id)).Select(e => e.Id).ToList();

    public IEnumerable<string> ModelsFor(string task) =>
        Entries.Where(e => e.Task == task && e.Id.Length > 0).Select(e => e.Id);

    public bool IsLoaded(string id) =>
        _models.TryGetValue(id, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully;

    /// <summary>The model when it is loaded already; never starts a download or a load.</summary>
    public bool TryGetLoaded<TModel>(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TModel? model)
        where TModel : class, ILocalModel
    {
        model = _models.TryGetValue(id, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully
            ? lazy.Value.Result as TModel
            : null;
        return model is not null;
    }

    /// <summary>
    /// The loaded model. The first caller downloads and loads it, reporting progress; later
    /// callers wait for that same load. A failed load is forgotten so the next call tries again.
    /// </summary>
    public async Task<TModel> GetAsync<TModel>(string id, string task, IProgress<ProgressInfo>? progress, CancellationToken cancellationToken)
        where TModel : ILocalModel
    {
        var entry = Entries.FirstOrDefault(e => e.Id == id && e.Task == task)
            ?? throw new InferenceException(InferenceErrorKind.ModelNotFound, $"'{id}' is not a local {task} model here.");
        var kind = KindOf(entry);

        var lazy = _models.GetOrAdd(id, _ => new Lazy<Task<ILocalModel>>(
            // Not tied to one caller's cancellation: a page that stops must not break others' load.
            () => Task.Run(() => LoadAsync(entry, kind, progress, CancellationToken.None))));
        if (lazy.IsValueCreated && !lazy.Value.IsCompleted)
            progress?.Report(new ProgressInfo("load", $"Waiting for {id} to finish loading…"));
        try
        {
            return (TModel)await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _models.TryRemove(new KeyValuePair<string, Lazy<Task<ILocalModel>>>(id, lazy));
            _errors[id] = ex.Message;
            throw;
        }
    }

    private ILocalModelKind KindOf(LocalModelEntry entry) => _kinds.TryGetValue(entry.Task, out var kind)
        ? kind
        : throw new InferenceException(InferenceErrorKind.ModelNotFound,
            $"Local model '{entry.Id}' is configured for task '{entry.Task}', which has no local pipeline here. Known: {string.Join(", ", _kinds.Keys)}.");

    private async Task<ILocalModel> LoadAsync(LocalModelEntry entry, ILocalModelKind kind, IProgress<ProgressInfo>? progress, CancellationToken ct)
    {
        progress?.Report(new ProgressInfo("download", $"Fetching {entry.Id}…"));
        var (loadAs, snapshot) = await FetchAsync(entry, kind, sessions.PrefersFp16, progress, ct).ConfigureAwait(false);
        progress?.Report(new ProgressInfo("load", $"Loading {entry.Id} into ONNX Runtime ({sessions.Status.Active})…"));
        var model = kind.Load(snapshot, loadAs);
        _loadedAs[entry.Id] = loadAs;
        _errors.TryRemove(entry.Id, out _);
        logger.LogInformation("Loaded local model {Model} ({Task}, {Dtype}, revision {Revision}) on {Device}.{Decoding}",
            entry.Id, entry.Task, loadAs.Dtype, snapshot.Revision ?? "local folder", sessions.ProviderOf(snapshot.RepoId) ?? sessions.Status.Active,
            model.Decoding is { } decoding ? " " + decoding : "");
        return model;
    }

    /// <summary>
    /// The entry's files, and the entry they were fetched for: with <paramref name="preferFp16"/>
    /// (on CUDA) an fp32 entry takes the repository's fp16 export when it ships one, else its own files.
    /// </summary>
    internal async Task<(LocalModelEntry Entry, ModelSnapshot Snapshot)> FetchAsync(
        LocalModelEntry entry, ILocalModelKind kind, bool preferFp16, IProgress<ProgressInfo>? progress, CancellationToken ct)
    {
        var half = entry.WithDtype("fp16");
        // Only where the task's files depend on the dtype (an image pipeline's do not: it would load fp32 and be called fp16).
        if (preferFp16 && string.Equals(entry.Dtype, "fp32", StringComparison.OrdinalIgnoreCase)
            && !kind.FilesFor(half).Select(f => f.Path).SequenceEqual(kind.FilesFor(entry).Select(f => f.Path)))
        {
            try
            {
                return (half, await store.EnsureAsync(entry.Id, kind.FilesFor(half), progress, ct).ConfigureAwait(false));
            }
            catch (InferenceException ex) when (ex.Kind is InferenceErrorKind.ModelNotFound or InferenceErrorKind.ModelUnavailable)
            {
                // The Hub answers a missing file before any download starts: nothing is half-fetched.
                logger.LogInformation("{Model}: its fp16 export, preferred on CUDA, could not be fetched ({Reason}); loading fp32.", entry.Id, ex.Message);
            }
        }
        return (entry, await store.EnsureAsync(entry.Id, kind.FilesFor(entry), progress, ct).ConfigureAwait(false));
    }

    public IReadOnlyList<LocalModelInfo> Describe() => Entries.Select(configured =>
    {
        // The dtype it was loaded with (fp16 preferred on CUDA); the task stays the configured one
        // (one model may serve two tasks, summarization and translation).
        var entry = IsLoaded(configured.Id) && _loadedAs.TryGetValue(configured.Id, out var loadedAs) ? configured.WithDtype(loadedAs.Dtype) : configured;
        ModelSnapshot? cached = null;
        try
        {
            cached = store.TryGetCached(entry.Id, KindOf(entry).FilesFor(entry));
        }
        catch (Exception ex) when (ex is InferenceException or InvalidOperationException)
        {
            _errors[entry.Id] = ex.Message;
        }
        var files = cached?.Files.OrderBy(f => f.Key)
            .Select(f => (f.Key, new FileInfo(f.Value) is { Exists: true } info ? ResolvedLength(info) : 0L))
            .ToList() ?? [];
        var loading = _models.TryGetValue(entry.Id, out var lazy) && lazy.IsValueCreated && !lazy.Value.IsCompleted;
        var loaded = TryGetLoaded<ILocalModel>(entry.Id, out var model);
        return new LocalModelInfo(entry.Id, entry.Task, entry.Dtype, loaded, loading, files,
            cached?.Directory, _errors.GetValueOrDefault(entry.Id), loaded ? sessions.ProviderOf(entry.Id) : null,
            loaded ? sessions.CacheOf(entry.Id) : null, model?.Decoding);
    }).ToList();

    // Snapshot files are links to blobs: report the blob's size, not the link's.
    private static long ResolvedLength(FileInfo info) =>
        info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target ? target.Length : info.Length;

    public void Dispose()
    {
        foreach (var lazy in _models.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
                lazy.Value.Result.Dispose();
        }
    }
}
