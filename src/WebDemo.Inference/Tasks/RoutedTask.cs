using System.Runtime.CompilerServices;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Queueing;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Usage;

namespace WebDemo.Inference.Tasks;

/// <summary>
/// What every task does the same way: resolve the provider and model, check that the model is
/// offered and the cloud usable, plan the provider chain (local, or cloud providers then the
/// local model) and walk it with failover. A task adds its validation, its call record and
/// how to count tokens. Work on this machine waits its turn in the task's queue; cloud calls
/// do not, as they cost this server only a connection. Each call that reaches its chain is
/// metered once (<see cref="UsageMetering"/>), and while the operator's daily cloud budget is
/// spent the chain keeps only the links that are not Hugging Face Inference Providers.
/// </summary>
internal abstract class RoutedTask<TRequest, TCall, TItem>(
    IEnumerable<ILocalTaskBackend<TCall, TItem>> localBackends,
    ICloudTaskBackends<TCall, TItem>? cloud,
    TaskQueues? queues,
    UsageMetering? usage = null) : IInferenceTask<TRequest, TItem>
    where TRequest : ITaskRequest
{
    private readonly IReadOnlyList<ILocalTaskBackend<TCall, TItem>> _local = localBackends.ToList();

    public string Name => TRequest.TaskName;

    public IReadOnlyList<string> LocalModels => _local.SelectMany(b => b.Models).Distinct(StringComparer.Ordinal).ToList();

    public IReadOnlyList<string> Models
    {
        get
        {
            var local = LocalModels;
            return [.. local, .. CloudModels.Concat(cloud?.ServerModels ?? []).Where(m => !local.Contains(m)).Distinct(StringComparer.Ordinal)];
        }
    }

    public string? CloudUnavailableReason => cloud is null ? "Cloud providers are not set up in this app." : cloud.UnavailableReason;

    /// <summary>The models cloud providers may be asked for with this app's token, the default first.</summary>
    protected abstract IReadOnlyList<string> CloudModels { get; }

    /// <summary>Throws <see cref="InferenceException"/> (InvalidInput) for a request no provider could answer.</summary>
    protected abstract void Validate(TRequest request);

    /// <summary>The call a backend receives, for the model that link serves.</summary>
    protected abstract TCall CreateCall(TRequest request, string model);

    /// <summary>Tokens in and out that one item reports, summed into the provenance.</summary>
    protected abstract (int In, int Out) Tokens(TItem item);

    /// <summary>The provider the router says served an item (x-inference-provider), when it says.</summary>
    protected virtual string? ServedBy(TItem item) => null;

    /// <summary>Images one item delivers and their denoising steps, for usage accounting; none for text tasks.</summary>
    protected virtual (int Images, int? Steps) Images(TItem item) => (0, null);

    public bool IsOperatorServer(string provider) => cloud?.IsOperatorServer(provider) == true;

    public async Task<IReadOnlyList<string>> CloudProvidersAsync(string? model, CancellationToken cancellationToken)
    {
        if (cloud is null || cloud.UnavailableReason is not null || (model ?? CloudModels.FirstOrDefault()) is not { } asked)
            return [];
        var providers = await cloud.ProvidersAsync(asked, cancellationToken).ConfigureAwait(false);
        return providers.Select(p => p.Name).ToList();
    }

    public IAsyncEnumerable<InferenceUpdate<TItem>> RunAsync(TRequest request, CancellationToken cancellationToken = default) =>
        Run(request, buffered: false, cancellationToken);

    public IAsyncEnumerable<InferenceUpdate<TItem>> RunBufferedAsync(TRequest request, CancellationToken cancellationToken = default) =>
        Run(request, buffered: true, cancellationToken);

    private IAsyncEnumerable<InferenceUpdate<TItem>> Run(TRequest request, bool buffered, CancellationToken cancellationToken)
    {
        Validate(request);
        var (provider, model) = Resolve(request);
        var localBackend = _local.FirstOrDefault(b => b.Models.Contains(model));
        if (provider == ProviderNames.Local && localBackend is null)
            throw NotServed(model, LocalModels);
        if (provider != ProviderNames.Local)
        {
            if (provider != ProviderNames.Auto && cloud is not null && !cloud.IsKnownProvider(provider))
                throw new InferenceException(InferenceErrorKind.ModelNotFound,
                    $"Unknown provider '{provider}': use {ProviderNames.Local}, {ProviderNames.Auto} or an Inference Provider's name (hf-inference, together, …).");
            if (!Models.Contains(model))
                throw NotServed(model, Models);
            if (CloudUnavailableReason is { } why)
                throw new InferenceException(InferenceErrorKind.Unauthorized, why);
        }

        // The last link of every chain: the named model if it runs here, else the default local model.
        localBackend ??= _local.FirstOrDefault(b => b.Models.Count > 0);
        var local = localBackend is null ? null : new ChainLink<ITaskBackend<TCall, TItem>>(
            localBackend.Provider, localBackend.Models.Contains(model) ? model : localBackend.Models.First(), localBackend, localBackend.Device);

        // The budget is checked before anything is sent, so that the API can answer 402 at once.
        var budgetSpent = provider == ProviderNames.Local ? null : usage?.BudgetRefusal;
        if (budgetSpent is not null && !IsOperatorServer(provider)
            && (provider != ProviderNames.Auto || (local is null && cloud?.ServerModels.Contains(model) != true)))
            throw BudgetSpent(budgetSpent);
        return RunChainAsync(request, provider, model, local, buffered, usage?.Start(Name), budgetSpent, cancellationToken);
    }

    /// <summary>Whether a link costs the operator's Hugging Face account (not the local model, not an operator's own server).</summary>
    private bool IsCloud(ChainLink<ITaskBackend<TCall, TItem>> link) => !IsLocal(link) && !IsOperatorServer(link.Provider);

    private static bool IsLocal(ChainLink<ITaskBackend<TCall, TItem>> link) => link.Backend is ILocalTaskBackend<TCall, TItem>;

    private static InferenceException BudgetSpent(string refusal) => new(InferenceErrorKind.PaymentRequired, refusal);

    /// <summary>
    /// Which provider and model: a named provider as given; none means local when the model runs
    /// here (or none is named and a local one exists), else auto. No model means the first local
    /// model for local, the cloud default otherwise.
    /// </summary>
    private (string Provider, string Model) Resolve(TRequest request)
    {
        var named = string.IsNullOrWhiteSpace(request.Model) ? null : request.Model.Trim();
        var local = LocalModels;
        var provider = !string.IsNullOrWhiteSpace(request.Provider) ? request.Provider.Trim().ToLowerInvariant()
            : (named is null ? local.Count > 0 : local.Contains(named)) ? ProviderNames.Local
            : ProviderNames.Auto;
        var model = named ?? (provider == ProviderNames.Local ? local.FirstOrDefault() : CloudModels.FirstOrDefault()) ?? "";
        return (provider, model);
    }

    private InferenceException NotServed(string model, IReadOnlyList<string> available) =>
        new(InferenceErrorKind.ModelNotFound, available.Count == 0
            ? $"No model is served here for {Name}."
            : $"Model '{model}' is not served here for {Name}. Available: {string.Join(", ", available)}.");

    /// <param name="meter">This call's usage meter; null when usage is not accounted.</param>
    /// <param name="budgetSpent">The budget's refusal while the daily cloud budget is spent: cloud links are left out.</param>
    private async IAsyncEnumerable<InferenceUpdate<TItem>> RunChainAsync(
        TRequest request, string provider, string model, ChainLink<ITaskBackend<TCall, TItem>>? local, bool buffered,
        CallMeter? meter, string? budgetSpent, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IReadOnlyList<ChainLink<ITaskBackend<TCall, TItem>>> chain = provider == ProviderNames.Local
            ? [local!]
            : ProviderRouter.Plan(provider, model,
                await cloud!.ProvidersAsync(model, cancellationToken).ConfigureAwait(false),
                p => cloud.Create(p, model), local, cloud.RouterChoice(model), request.Failover);
        if (budgetSpent is not null)
        {
            var kept = chain.Where(link => !IsCloud(link)).ToList();
            if (kept.Count == 0)
                throw BudgetSpent(budgetSpent);
            if (kept.Count < chain.Count)
                yield return InferenceUpdate<TItem>.ForProgress(new ProgressInfo("budget", $"{budgetSpent} Trying {kept[0].Provider}…"));
            chain = kept;
        }

        await using var updates = FailoverRunner.RunAsync(Name, chain,
            (link, ct) =>
            {
                meter?.Trying(link.Provider, link.Model, IsLocal(link), IsCloud(link));
                return RunLinkAsync(request, link, ct);
            },
            Tokens, cancellationToken, ServedBy, buffered, cloud?.CallBudget).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                        break;
                }
                catch (Exception ex)
                {
                    meter?.Failed(ex);
                    throw;
                }
                var update = updates.Current;
                if (update.Partial is { } item)
                    meter?.Item(Tokens(item), Images(item), ServedBy(item));
                else if (update.Kind == UpdateKind.Final)
                    meter?.Served();
                yield return update;
            }
        }
        finally
        {
            meter?.Finish();
        }
    }

    /// <summary>One link's stream: the backend's answer for the model that link serves, after its turn in the queue when it runs here.</summary>
    private IAsyncEnumerable<InferenceUpdate<TItem>> RunLinkAsync(
        TRequest request, ChainLink<ITaskBackend<TCall, TItem>> link, CancellationToken cancellationToken)
    {
        var call = CreateCall(request, link.Model);
        return IsLocal(link) && queues is not null
            ? queues.For(Name).RunAsync(ct => link.Backend.StreamAsync(call, ct), cancellationToken)
            : link.Backend.StreamAsync(call, cancellationToken);
    }

    protected static InferenceException Invalid(string message) => new(InferenceErrorKind.InvalidInput, message);
}
