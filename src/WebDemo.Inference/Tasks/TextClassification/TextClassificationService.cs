using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Tasks.TextClassification;

/// <summary>
/// The text-classification task: validates a request, plans the provider chain (local, or cloud
/// providers then the local model) and walks it with failover. Every surface (page, hub, HTTP)
/// calls this and gets the same stream.
/// </summary>
public sealed class TextClassificationService(
    IEnumerable<ITextClassificationBackend> localBackends,
    IOptions<TextClassificationOptions> options,
    ICloudInference? cloud = null)
{
    public const string Task = "text-classification";

    private readonly IReadOnlyList<ITextClassificationBackend> _local = localBackends.ToList();

    public TextClassificationOptions Options => options.Value;

    /// <summary>The models this machine runs, the default first.</summary>
    public IReadOnlyList<string> LocalModels => _local.SelectMany(b => b.Models).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Every model a request may name: the local ones, then the cloud model.</summary>
    public IReadOnlyList<string> AvailableModels => [.. LocalModels, .. LocalModels.Contains(Options.CloudModel) ? [] : new[] { Options.CloudModel }];

    /// <summary>Null when cloud providers can be used; otherwise why not.</summary>
    public string? CloudUnavailableReason => cloud is null ? "Cloud providers are not set up in this app." : cloud.UnavailableReason;

    /// <summary>The cloud providers that serve the cloud model, for a provider picker; empty without a token.</summary>
    public async Task<IReadOnlyList<string>> CloudProvidersAsync(CancellationToken cancellationToken)
    {
        if (cloud is null || cloud.UnavailableReason is not null)
            return [];
        var providers = await cloud.ProvidersAsync(Options.CloudModel, Task, cancellationToken).ConfigureAwait(false);
        return providers.Select(p => p.Name).ToList();
    }

    /// <summary>
    /// Validates at once (throwing <see cref="InferenceException"/> before anything streams, so
    /// the HTTP API can answer 4xx), then returns the stream.
    /// </summary>
    public IAsyncEnumerable<InferenceUpdate<ClassifiedText>> ClassifyAsync(
        TextClassificationRequest request, CancellationToken cancellationToken = default)
    {
        Validate(request);
        var (provider, model) = Resolve(request);
        var localBackend = _local.FirstOrDefault(b => b.Models.Contains(model));
        if (provider == ProviderNames.Local && localBackend is null)
            throw new InferenceException(InferenceErrorKind.ModelNotFound,
                $"Model '{model}' is not served here. Available: {string.Join(", ", LocalModels)}.");
        if (provider != ProviderNames.Local)
        {
            if (!AvailableModels.Contains(model))
                throw new InferenceException(InferenceErrorKind.ModelNotFound,
                    $"Model '{model}' is not served here. Available: {string.Join(", ", AvailableModels)}.");
            if (CloudUnavailableReason is { } why)
                throw new InferenceException(InferenceErrorKind.Unauthorized, why);
        }

        // The last link of every chain: the named model if it runs here, else the default local model.
        localBackend ??= _local.FirstOrDefault(b => b.Models.Count > 0);
        var local = localBackend is null ? null : new ChainLink<ITextClassificationBackend>(
            localBackend.Provider, localBackend.Models.Contains(model) ? model : localBackend.Models.First(), localBackend, localBackend.Device);
        return RunAsync(new TextClassificationCall(model, request.Inputs, request.TopK), provider, local, cancellationToken);
    }

    /// <summary>
    /// Which provider and model: a named provider as given; none means local when the model runs
    /// here (or none is named and a local one exists), else auto. No model means the first local
    /// model for local, the cloud model otherwise.
    /// </summary>
    private (string Provider, string Model) Resolve(TextClassificationRequest request)
    {
        var named = string.IsNullOrWhiteSpace(request.Model) ? null : request.Model.Trim();
        var provider = !string.IsNullOrWhiteSpace(request.Provider) ? request.Provider.Trim().ToLowerInvariant()
            : (named is null ? LocalModels.Count > 0 : LocalModels.Contains(named)) ? ProviderNames.Local
            : ProviderNames.Auto;
        var model = named ?? (provider == ProviderNames.Local ? LocalModels.FirstOrDefault() ?? "" : Options.CloudModel);
        return (provider, model);
    }

    private void Validate(TextClassificationRequest request)
    {
        var limits = Options;
        if (request.Inputs is null || request.Inputs.Count == 0 || request.Inputs.All(string.IsNullOrWhiteSpace))
            throw Invalid("Enter at least one text to classify.");
        if (request.Inputs.Count > limits.MaxInputs)
            throw Invalid($"Too many texts: {request.Inputs.Count}. At most {limits.MaxInputs} per request.");
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            var text = request.Inputs[i];
            if (string.IsNullOrWhiteSpace(text))
                throw Invalid($"Text {i + 1} is empty.");
            if (text.Length > limits.MaxCharactersPerInput)
                throw Invalid($"Text {i + 1} is {text.Length:N0} characters long; at most {limits.MaxCharactersPerInput:N0} are accepted.");
        }
        if (request.TopK is < 1)
            throw Invalid("top_k must be a whole number of at least 1.");
    }

    private async IAsyncEnumerable<InferenceUpdate<ClassifiedText>> RunAsync(
        TextClassificationCall call, string provider, ChainLink<ITextClassificationBackend>? local,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IReadOnlyList<ChainLink<ITextClassificationBackend>> chain = provider == ProviderNames.Local
            ? [local!]
            : ProviderRouter.Plan(provider, call.Model,
                await cloud!.ProvidersAsync(call.Model, Task, cancellationToken).ConfigureAwait(false),
                p => cloud.TextClassification(p.Name, p.ProviderModelId), local);

        await foreach (var update in FailoverRunner.RunAsync(chain,
            (link, ct) => link.Backend.ClassifyAsync(call with { Model = link.Model }, ct),
            item => (item.TokenCount, 0), cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    private static InferenceException Invalid(string message) => new(InferenceErrorKind.InvalidInput, message);
}
