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
    public void Auto_starts_with_the_routers_own_choice_when_the_task_has_one()
    {
        var chain = ProviderRouter.Plan("auto", "org/m", Mapped, p => p.ProviderModelId, null, new CloudProvider("auto", "org/m:fastest"));

        Assert.Equal(["auto", "a", "b"], Order(chain));
        Assert.Equal("org/m:fastest", chain[0].Backend);
    }

    [Fact]
    public void A_named_provider_comes_first_even_when_not_in_the_mapping()
    {
        Assert.Equal(["b", "a", "local"], Order(ProviderRouter.Plan("b", "org/m", Mapped, p => p.Name, Local)));
        Assert.Equal(["c", "a", "b"], Order(ProviderRouter.Plan("c", "org/m", Mapped, p => p.Name, null)));
    }

    [Fact]
    public void Nothing_to_try_is_a_clear_error()
    {
        var error = Assert.Throws<InferenceException>(() => ProviderRouter.Plan<string>("auto", "org/m", [], p => p.Name, null));

        Assert.Equal(InferenceErrorKind.ModelNotFound, error.Kind);
        Assert.Contains("no local model to fall back on", error.Message);
    }
}
