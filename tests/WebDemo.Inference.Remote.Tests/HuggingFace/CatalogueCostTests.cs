using System.Text;
using WebDemo.Inference.Catalogue;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Usage;

namespace WebDemo.Inference.Remote.Tests.HuggingFace;

/// <summary>
/// A call's estimated cost from a router catalogue answer as the router writes it (the shape the
/// Inference Providers docs give for <c>GET /v1/models</c>; the figures are this test's own),
/// through the same parser and pricing the app uses.
/// </summary>
public sealed class CatalogueCostTests
{
    private const string RecordedAnswer = """
        {"object": "list", "data": [
          {"id": "meta-llama/Llama-3.1-8B-Instruct", "object": "model", "created": 1721260800, "owned_by": "meta-llama",
           "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
           "providers": [
             {"provider": "novita", "status": "live", "context_length": 16384,
              "pricing": {"input": 0.02, "output": 0.05}, "supports_tools": false, "supports_structured_output": false},
             {"provider": "cerebras", "status": "live", "context_length": 32768,
              "pricing": {"input": 0.1, "output": 0.1}, "supports_tools": true, "supports_structured_output": true,
              "throughput": 2172.4, "first_token_latency_ms": 221},
             {"provider": "featherless-ai", "status": "live", "context_length": 16384}
           ]}
        ]}
        """;

    private sealed class Recorded(CatalogueSnapshot snapshot) : IModelCatalogue
    {
        public Task<CatalogueSnapshot> ReadAsync(CancellationToken cancellationToken) => Task.FromResult(snapshot);

        public CatalogueSnapshot Cached => snapshot;
    }

    [Fact]
    public void A_calls_cost_is_its_tokens_at_the_providers_listed_prices_and_none_without_a_price()
    {
        var models = RouterCatalogue.Parse(Encoding.UTF8.GetBytes(RecordedAnswer));
        var metering = new UsageMetering([], new Recorded(new CatalogueSnapshot(models, DateTimeOffset.UnixEpoch, null)));
        const string model = "meta-llama/Llama-3.1-8B-Instruct";

        // 1,200 in × $0.02/M + 350 out × $0.05/M = $0.000024 + $0.0000175
        Assert.Equal(0.0000415m, metering.EstimateCost("novita", model, 1_200, 350, isLocal: false, isCloud: true));
        // 1,000,000 in and out at $0.10/M each
        Assert.Equal(0.2m, metering.EstimateCost("cerebras", model, 1_000_000, 1_000_000, isLocal: false, isCloud: true));
        Assert.Null(metering.EstimateCost("featherless-ai", model, 1_200, 350, isLocal: false, isCloud: true)); // listed without a price
        Assert.Null(metering.EstimateCost("together", model, 1_200, 350, isLocal: false, isCloud: true)); // not listed for this model
        Assert.Equal(new ProviderOffer("cerebras", "live", 32768, 0.1m, 0.1m, 2172.4, 0.221), models[model][1]);
    }
}
