using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Json;

namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>One provider that serves a model, from the Hub's inferenceProviderMapping.</summary>
/// <param name="ProviderModelId">The model's id at that provider.</param>
/// <param name="Adapter">"lora" when the provider serves the model as an adapter on a base model; null otherwise.</param>
/// <param name="AdapterWeightsPath">The adapter's weights file in the model's repository (with <paramref name="Adapter"/>).</param>
internal sealed record ProviderEntry(string Provider, string ProviderModelId, string Task, string Status,
    string? Adapter = null, string? AdapterWeightsPath = null);

/// <summary>
/// Which providers serve a model, from <c>/api/models/{id}?expand[]=inferenceProviderMapping</c>
/// (both the object form keyed by provider and the newer array form), cached for a while.
/// </summary>
internal sealed class ProviderMapping(
    IHttpClientFactory httpClientFactory,
    IOptions<CloudOptions> options,
    HubAuthorization hubAuthorization,
    TimeProvider time,
    ILogger<ProviderMapping> logger)
{
    public const string HttpClientName = "hf-hub-api";

    private readonly ConcurrentDictionary<string, (DateTimeOffset Until, IReadOnlyList<ProviderEntry> Entries)> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Model, string Provider), bool> _stagingWarned = new();

    /// <summary>Whether a provider is one the router serves, the operator added, or a mapping read so far listed.</summary>
    public bool IsKnown(string provider) =>
        InferenceProviders.Routed.Contains(provider) || options.Value.ExtraProviders.Contains(provider) || _seen.ContainsKey(provider);

    /// <summary>
    /// The live providers of a model for a task, in the mapping's order; empty when there are none
    /// or the Hub cannot be asked. Staging ones only where Cloud:AllowStagingProviders says so.
    /// </summary>
    public async Task<IReadOnlyList<ProviderEntry>> LiveProvidersAsync(string model, string task, CancellationToken ct)
    {
        var all = await GetAsync(model, ct).ConfigureAwait(false);
        return all.Where(e => e.Task == task && (e.Status is "live" or "" || e.Status == "staging" && UseStaging(model, e.Provider))).ToList();
    }

    /// <summary>What the mapping says of one provider for a model and task (its adapter, for instance); null when it lists none.</summary>
    public async Task<ProviderEntry?> EntryAsync(string model, string provider, string task, CancellationToken ct) =>
        (await GetAsync(model, ct).ConfigureAwait(false)).FirstOrDefault(e => e.Provider == provider && e.Task == task);

    /// <summary>
    /// A staging mapping is the provider's test deployment, not yet served to everyone: the HF
    /// clients warn when they use one. Here it is skipped unless the operator allows it, with one
    /// warning per model and provider either way.
    /// </summary>
    private bool UseStaging(string model, string provider)
    {
        var allowed = options.Value.AllowStagingProviders;
        if (_stagingWarned.TryAdd((model, provider), true))
        {
            if (allowed)
                logger.LogWarning("{Provider} serves {Model} in staging mode, meant for tests only; it is used because Cloud:AllowStagingProviders is true.", provider, model);
            else
                logger.LogWarning("{Provider} serves {Model} in staging mode only; it is skipped (set Cloud:AllowStagingProviders=true to use it).", provider, model);
        }
        return allowed;
    }

    public async Task<IReadOnlyList<ProviderEntry>> GetAsync(string model, CancellationToken ct)
    {
        if (_cache.TryGetValue(model, out var cached) && cached.Until > time.GetUtcNow())
            return cached.Entries;

        IReadOnlyList<ProviderEntry> entries;
        try
        {
            var client = httpClientFactory.CreateClient(HttpClientName);
            using var request = new HttpRequestMessage(HttpMethod.Get,
                $"{options.Value.HubUrl.TrimEnd('/')}/api/models/{model}?expand[]=inferenceProviderMapping");
            if (hubAuthorization.TokenFor(new Uri(options.Value.HubUrl)) is { } value)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", value);
            using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("The provider mapping of {Model} could not be read: HTTP {Status}.", model, (int)response.StatusCode);
                return [];
            }
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
            entries = Parse(doc.RootElement);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogWarning("The provider mapping of {Model} could not be read: {Error}", model, ex.Message);
            return []; // not cached: the next call asks again
        }
        _cache[model] = (time.GetUtcNow() + options.Value.MappingCacheDuration, entries);
        foreach (var entry in entries)
            _seen.TryAdd(entry.Provider, true);
        return entries;
    }

    internal static IReadOnlyList<ProviderEntry> Parse(JsonElement model)
    {
        if (model.Member("inferenceProviderMapping") is not { } mapping)
            return [];
        var entries = new List<ProviderEntry>();
        if (mapping.ValueKind == JsonValueKind.Object)
        {
            foreach (var provider in mapping.EnumerateObject())
                entries.Add(Entry(provider.Name, provider.Value));
        }
        else if (mapping.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in mapping.EnumerateArray())
                if (item.StringOrNull("provider") is { } name)
                    entries.Add(Entry(name, item));
        }
        return entries;

        static ProviderEntry Entry(string provider, JsonElement value) => new(provider,
            value.StringOrNull("providerId") ?? "", value.StringOrNull("task") ?? "", value.StringOrNull("status") ?? "",
            value.StringOrNull("adapter"), value.StringOrNull("adapterWeightsPath"));
    }
}
