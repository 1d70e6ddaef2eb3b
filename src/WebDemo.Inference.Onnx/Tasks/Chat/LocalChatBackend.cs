using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Inference.Onnx.Tasks.Chat;

/// <summary>How a local chat model (LocalModels entry with Task "text-generation") is fetched and loaded.</summary>
internal sealed class LocalChatModelKind(OnnxSessionFactory sessions, IOptions<OnnxRuntimeOptions> options) : ILocalModelKind
{
    public string Task => LocalChatBackend.Task;

    public IReadOnlyList<ModelFile> FilesFor(LocalModelEntry entry) => LocalChatModel.FilesFor(entry);

    public ILocalModel Load(ModelSnapshot snapshot, LocalModelEntry entry) => LocalChatModel.Load(snapshot, entry, sessions, options.Value.ChatMaxBatch, options.Value.PromptLookupTokens);
}

/// <summary>
/// Chat on the local models: the model is loaded (with progress) on first use, then answers
/// through <see cref="LocalChatClient"/> under the same stream budgets as every chat backend.
/// </summary>
internal sealed class LocalChatBackend(LocalModelLoader loader, IOptions<ChatTaskOptions> options) : ILocalTaskBackend<ChatCall, ChatDelta>
{
    /// <summary>The Hub's pipeline tag of the models this backend serves.</summary>
    public const string Task = "text-generation";

    public string Provider => ProviderNames.Local;

    public string? Device => loader.ExecutionProvider.Active;

    public IReadOnlyCollection<string> Models => loader.ModelsFor(Task).ToList();

    public async IAsyncEnumerable<InferenceUpdate<ChatDelta>> StreamAsync(ChatCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var loaded = new StrongBox<LocalChatModel>();
        await foreach (var progress in ProgressUpdates.RunAsync(
            (report, ct) => loader.GetAsync<LocalChatModel>(call.Model, Task, report, ct), loaded, cancellationToken).ConfigureAwait(false))
        {
            yield return InferenceUpdate<ChatDelta>.ForProgress(progress);
        }
        var backend = new ChatClientBackend(Provider, new LocalChatClient(loaded.Value!), options.Value.Budget, Device);
        await foreach (var update in backend.StreamAsync(call, cancellationToken).ConfigureAwait(false))
            yield return update;
    }
}
