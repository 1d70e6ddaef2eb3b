using System.Text.Json;

namespace WebDemo.Inference.Catalogue;

// The router's GET /v1/models, as far as the catalogue reads it. The models and their providers are
// kept as raw JSON here and read one by one (RouterCatalogueWire), so that one odd entry is skipped
// instead of failing the whole list. Fields documented in huggingface/hub-docs,
// docs/inference-providers/hub-api.md ("List OpenAI-compatible models").

/// <summary><c>{"object": "list", "data": [...]}</c>: each model as raw JSON.</summary>
public sealed record RouterModelListWire(IReadOnlyList<JsonElement>? Data);

/// <summary>One model: <c>{"id", "providers": [...]}</c>, each provider as raw JSON.</summary>
public sealed record RouterModelWire(string? Id, IReadOnlyList<JsonElement>? Providers);

/// <summary>One provider of a model, every field optional.</summary>
/// <param name="FirstTokenLatencyMs">Time to first token of the router's latest probe, in milliseconds.</param>
/// <param name="Throughput">Output tokens per second of the router's latest probe.</param>
public sealed record RouterProviderWire(
    string? Provider,
    string? Status,
    int? ContextLength,
    RouterPricingWire? Pricing,
    double? FirstTokenLatencyMs,
    double? Throughput);

/// <summary>US dollars per million input and output tokens.</summary>
public sealed record RouterPricingWire(decimal? Input, decimal? Output);
