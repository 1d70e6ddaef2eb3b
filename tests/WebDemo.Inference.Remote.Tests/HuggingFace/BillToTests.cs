using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Remote.Tests.HuggingFace;

/// <summary>Cloud:BillTo: the router's calls carry <c>X-HF-Bill-To</c>, as the HF clients send their bill-to option; nothing else does.</summary>
public sealed class BillToTests : IAsyncLifetime
{
    private FakeRouter _server = null!;

    public async Task InitializeAsync() => _server = await FakeRouter.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<CloudHarness> StartAsync(string? billTo) => CloudHarness.StartAsync(settings: new Dictionary<string, string?>
    {
        ["Cloud:BillTo"] = billTo,
        ["OpenAICompatible:Servers:0:Name"] = "srv-a",
        ["OpenAICompatible:Servers:0:BaseUrl"] = _server.Url + "/v1",
        ["OpenAICompatible:Servers:0:ApiKey"] = "sk-server-a-secret-0123",
        ["OpenAICompatible:Servers:0:Models:0"] = "qwen-local",
    });

    private static bool IsRouterCall(HubRequest r) => r.Method == "POST";

    /// <summary>The router's catalogue, read for prices once a cloud call ends: the router's client, so billed too.</summary>
    private static bool IsCatalogueRead(HubRequest r) => r.Method == "GET" && r.Path.EndsWith("/v1/models", StringComparison.Ordinal);

    [Fact]
    public async Task With_an_organization_every_router_call_is_billed_to_it_but_not_the_Hub_or_an_operator_server()
    {
        await using var cloud = await StartAsync("my-org");

        var classified = await cloud.RunAsync("prov-a", "good");
        var chat = await cloud.ChatAsync("prov-b");
        var server = await cloud.ChatAsync("srv-a", model: "qwen-local");

        Assert.Null(classified.Error);
        Assert.Null(chat.Error);
        Assert.Null(server.Error);
        Assert.Equal(2, cloud.Router.Seen.Count(IsRouterCall));
        Assert.All(cloud.Router.Seen.Where(r => IsRouterCall(r) || IsCatalogueRead(r)), r => Assert.Equal("my-org", r.BillTo));
        Assert.All(cloud.Router.Seen.Where(r => !IsRouterCall(r) && !IsCatalogueRead(r)), r => Assert.Null(r.BillTo)); // the Hub's provider mappings
        Assert.Contains(_server.Seen, IsRouterCall);
        Assert.All(_server.Seen, r => Assert.Null(r.BillTo));
    }

    [Fact]
    public async Task Without_one_no_call_carries_the_header()
    {
        await using var cloud = await StartAsync(null);

        await cloud.RunAsync("prov-a", "good");

        Assert.Contains(cloud.Router.Seen, IsRouterCall);
        Assert.All(cloud.Router.Seen, r => Assert.Null(r.BillTo));
    }

    [Theory]
    [InlineData("my-org", true)]
    [InlineData("Org_2.eu", true)]
    [InlineData("bad\r\nX-Evil: 1", false)]
    [InlineData("two words", false)]
    [InlineData("-leading", false)]
    [InlineData("", true)] // unset, as an empty environment variable leaves it
    public void An_organization_name_is_checked_at_start(string name, bool valid) => Assert.Equal(valid, BillTo.IsValid(name));
}
