using WebDemo.Inference.Errors;
using WebDemo.Inference.Routing;

namespace WebDemo.Inference.Tests.Routing;

public class ProviderRouterTests
{
    private static readonly IReadOnlyList<CloudProvider> Mapped = [new("a", "org/m"), new("b", "b/m-id")];
    private static readonly ChainLink<string> Local = new("local", "local/m", "local-backend", "CPU");

    private static IEnumerable<string> Order(IReadOnlyList<ChainLink<string>> chain) => chain.Select(l => l.Provider);

    [Fact]
    public void Auto_follows_the_mapping_then_local()
    {
        var chain = ProviderRouter.Plan("auto", "org/m", Mapped, p => p.ProviderModelId, Local);

        Assert.Equal(["a", "b", "local"], Order(chain));
        Assert.Equal("b/m-id", chain[1].Backend); // each provider gets the model's id there
        Assert.Equal("local/m", chain[2].Model);
    }

    [Fact]
    public void Auto_with_the_routers_own_choice_tries_at_most_one_more_path_then_local()
    {
        // The router's "auto" already fails over between the model's providers: after it, one more path.
        var chain = ProviderRouter.Plan("auto", "org/m", Mapped, p => p.ProviderModelId, Local, new CloudProvider("auto", "org/m:fastest"));

        Assert.Equal(["auto", "a", "local"], Order(chain));
        Assert.Equal("org/m:fastest", chain[0].Backend);
    }

    [Fact]
    public void A_named_provider_is_the_only_link_unless_failover_is_asked_for()
    {
        Assert.Equal(["b"], Order(ProviderRouter.Plan("b", "org/m", Mapped, p => p.Name, Local)));
        Assert.Equal(["c"], Order(ProviderRouter.Plan("c", "org/m", Mapped, p => p.Name, null))); // even when not in the mapping
        Assert.Equal(["b", "a", "local"], Order(ProviderRouter.Plan("b", "org/m", Mapped, p => p.Name, Local, failover: true)));
        Assert.Equal(["c", "a", "b"], Order(ProviderRouter.Plan("c", "org/m", Mapped, p => p.Name, null, failover: true)));
    }

    [Fact]
    public void Nothing_to_try_is_a_clear_error()
    {
        var error = Assert.Throws<InferenceException>(() => ProviderRouter.Plan<string>("auto", "org/m", [], p => p.Name, null));

        Assert.Equal(InferenceErrorKind.ModelNotFound, error.Kind);
        Assert.Contains("no local model to fall back on", error.Message);
    }
}
