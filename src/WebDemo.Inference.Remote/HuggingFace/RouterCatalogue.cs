using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Catalogue;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Json;

namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>
/// The router's live catalogue, <c>GET {Cloud:RouterUrl}/v1/models</c>: per model, each provider's
/// status, context length, prices and the router's own probe figures. Read at most once per
/// <see cref="CloudOptions.CatalogueCacheDuration"/>, by one request that concurrent readers share;
/// a failed read keeps the last good catalogue (stale, with the reason) and is not tried again
/// before <see cref="RetryAfterFailure"/>, so a router that is down is not asked on every page view.
/// The token goes as Bearer when there is one; the router lists its catalogue without one.
/// </summary>
internal sealed class RouterCatalogue(
    IHttpClientFactory httpClientFactory,
    IOptions<CloudOptions> options,
    HuggingFaceToken token,
    TimeProvider time,
    ILogger<RouterCatalogue> logger) : IModelCatalogue
{
    /// <summary>The shortest wait after a failed read before the router is asked again.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private CatalogueSnapshot _cached = CatalogueSnapshot.Unavailable("The router's catalogue has not been read yet.");
    private DateTimeOffset _nextRead = DateTimeOffset.MinValue;
    private Task<CatalogueSnapshot>? _reading;

    public CatalogueSnapshot Cached
    {
        get
        {
            lock (_gate)
                return _cached;
        }
    }

    public Task<CatalogueSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        Task<CatalogueSnapshot> reading;
        lock (_gate)
        {
            if (_reading is null && time.GetUtcNow() < _nextRead)
                return Task.FromResult(_cached);
            // One read for everyone who asks meanwhile; a caller that gives up does not cancel it for the others.
            _reading ??= Task.Run(RefreshAsync, CancellationToken.None);
            reading = _reading;
        }
        return reading.WaitAsync(cancellationToken);
    }

    private async Task<CatalogueSnapshot> RefreshAsync()
    {
        var (models, failure) = await FetchAsync().ConfigureAwait(false);
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (models is not null)
            {
                _cached = new CatalogueSnapshot(models, now, null);
                _nextRead = now + options.Value.CatalogueCacheDuration;
            }
            else
            {
                _cached = _cached with { UnavailableReason = failure };
                _nextRead = now + RetryAfterFailure;
            }
            _reading = null;
            return _cached;
        }
    }

    /// <summary>The catalogue, or why it could not be read (in words for the page).</summary>
    private async Task<(IReadOnlyDictionary<string, IReadOnlyList<ProviderOffer>>? Models, string? Failure)> FetchAsync()
    {
        var cloud = options.Value;
        using var timeout = new CancellationTokenSource(cloud.CatalogueTimeout);
        string failure;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{cloud.RouterUrl.TrimEnd('/')}/v1/models");
            if (token.Value is { } value)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", value);
            using var response = await httpClientFactory.CreateClient(RouterClient.HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
                return (Parse(body), null);
            }
            failure = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                ? token.IsConfigured
                    ? $"The router refused the token for its catalogue (HTTP {(int)response.StatusCode}): check HF_TOKEN."
                    : "The router wants a token for its catalogue: set HF_TOKEN."
                : $"The router could not give its catalogue (HTTP {(int)response.StatusCode}).";
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            failure = $"The router did not give its catalogue within {cloud.CatalogueTimeout.TotalSeconds:0.#} s.";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            failure = $"The router could not be reached for its catalogue ({ex.Message}).";
        }
        catch (JsonException ex)
        {
            logger.LogDebug("The router's catalogue did not parse: {Error}", ex.Message);
            failure = "The router's catalogue was not the JSON expected (a \"data\" list of models).";
        }
        logger.LogWarning("The router's catalogue could not be read: {Reason}", failure);
        return (null, failure);
    }

    /// <summary>
    /// The models' offers. The list itself must be there (else <see cref="JsonException"/>); a model
    /// or provider entry that is not as expected is skipped, fields it lacks are null, others ignored.
    /// </summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<ProviderOffer>> Parse(ReadOnlySpan<byte> body)
    {
        var list = JsonSerializer.Deserialize(body, InferenceJsonContext.Default.RouterModelListWire);
        if (list?.Data is null)
            throw new JsonException("it has no \"data\" list");
        var models = new Dictionary<string, IReadOnlyList<ProviderOffer>>(StringComparer.Ordinal);
        foreach (var element in list.Data)
        {
            if (Entry(element, InferenceJsonContext.Default.RouterModelWire) is not { Id: { Length: > 0 } id } model)
                continue;
            models[id] = (model.Providers ?? [])
                .Select(p => Entry(p, InferenceJsonContext.Default.RouterProviderWire))
                .Where(p => p?.Provider is { Length: > 0 })
                .Select(p => new ProviderOffer(p!.Provider!, p.Status, p.ContextLength, p.Pricing?.Input, p.Pricing?.Output,
                    p.Throughput, p.FirstTokenLatencyMs / 1000))
                .ToList();
        }
        return models;
    }

    /// <summary>One entry in its expected shape, or null when it is not an object of that shape.</summary>
    private static T? Entry<T>(JsonElement element, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        if (element.ValueKind != JsonValueKind.Object)
            return null;
        try
        {
            return element.Deserialize(type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
