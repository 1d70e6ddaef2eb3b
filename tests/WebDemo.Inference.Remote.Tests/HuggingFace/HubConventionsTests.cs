using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Configuration;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Remote.Tests.HuggingFace;

/// <summary>The Hugging Face clients' conventions on the wire: User-Agent, which calls carry the token, staging providers.</summary>
public class HubConventionsTests
{
    private const string Bearer = "Bearer " + CloudHarness.Token;

    private static bool IsMappingCall(HubRequest r) => r.Path.StartsWith("/api/models/", StringComparison.Ordinal);

    private static bool IsRouterCall(HubRequest r) => r.Method == "POST";

    /// <summary>The app's services with this environment instead of the harness's plain HF_TOKEN.</summary>
    private static Action<IServiceCollection> Environment(params (string Name, string Value)[] values) =>
        services => services.AddSingleton(new HuggingFaceToken(name => name == "HF_TOKEN" ? CloudHarness.Token : values.FirstOrDefault(v => v.Name == name).Value));

    [Fact]
    public async Task Router_and_Hub_calls_send_the_webdemo_user_agent()
    {
        await using var cloud = await CloudHarness.StartAsync();

        await cloud.RunAsync("auto", "good");

        Assert.Matches(@"^webdemo/[0-9][^+ ;]*; dotnet/\d+\.\d+", HuggingFaceUserAgent.Value);
        Assert.Contains(cloud.Router.Seen, IsMappingCall);
        Assert.Contains(cloud.Router.Seen, IsRouterCall);
        Assert.All(cloud.Router.Seen, r => Assert.Equal(HuggingFaceUserAgent.Value, r.UserAgent));
    }

    [Fact]
    public async Task A_trusted_Hub_mirror_gets_the_token()
    {
        await using var cloud = await CloudHarness.StartAsync(); // TestSettings trusts its loopback Hubs

        await cloud.RunAsync("auto", "good");

        Assert.All(cloud.Router.Seen.Where(IsMappingCall), r => Assert.Equal(Bearer, r.Authorization));
    }

    [Fact]
    public async Task An_untrusted_Hub_mirror_gets_no_token_and_one_warning_while_the_router_still_gets_it()
    {
        await using var cloud = await CloudHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            [HubAuthorization.TrustMirrorSetting] = "false", // the shipped default
            ["Cloud:MappingCacheDuration"] = "00:00:00",
        });

        await cloud.RunAsync("auto", "good");
        await cloud.RunAsync("auto", "good");

        Assert.Equal(2, cloud.Router.Seen.Count(IsMappingCall));
        Assert.All(cloud.Router.Seen.Where(IsMappingCall), r => Assert.Null(r.Authorization));
        Assert.All(cloud.Router.Seen.Where(IsRouterCall), r => Assert.Equal(Bearer, r.Authorization));
        var warning = Assert.Single(cloud.Logs.Lines, l => l.Contains("TrustHubMirror", StringComparison.Ordinal));
        Assert.Contains("Warning", warning);
        Assert.DoesNotContain(cloud.Logs.Lines, l => l.Contains(CloudHarness.Token, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("true")]
    [InlineData("YES")]
    [InlineData("On")]
    public async Task HF_HUB_DISABLE_IMPLICIT_TOKEN_keeps_the_token_from_the_Hub_but_not_from_the_router(string value)
    {
        await using var cloud = await CloudHarness.StartAsync(configure: Environment(("HF_HUB_DISABLE_IMPLICIT_TOKEN", value)));

        var outcome = await cloud.RunAsync("auto", "good");

        Assert.Equal("prov-a", outcome.Provenance!.Provider);
        Assert.All(cloud.Router.Seen.Where(IsMappingCall), r => Assert.Null(r.Authorization));
        Assert.All(cloud.Router.Seen.Where(IsRouterCall), r => Assert.Equal(Bearer, r.Authorization));
    }

    [Fact]
    public async Task Staging_providers_are_skipped_by_default_with_one_warning()
    {
        await using var cloud = await CloudHarness.StartAsync(settings: new Dictionary<string, string?> { ["Cloud:MappingCacheDuration"] = "00:00:00" });
        cloud.Router.ProviderStatus["prov-a"] = "staging";

        Assert.Equal(["prov-b"], await cloud.Service.CloudProvidersAsync(null, default));
        Assert.Equal(["prov-b"], await cloud.Service.CloudProvidersAsync(null, default));
        var warning = Assert.Single(cloud.Logs.Lines, l => l.Contains("staging", StringComparison.Ordinal));
        Assert.Contains("prov-a", warning);
        Assert.Contains("skipped", warning);
    }

    [Fact]
    public async Task Staging_providers_are_used_when_the_operator_allows_them_with_one_warning()
    {
        await using var cloud = await CloudHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Cloud:AllowStagingProviders"] = "true",
            ["Cloud:MappingCacheDuration"] = "00:00:00",
        });
        cloud.Router.ProviderStatus["prov-a"] = "staging";

        Assert.Equal(["prov-a", "prov-b"], await cloud.Service.CloudProvidersAsync(null, default));
        var outcome = await cloud.RunAsync("auto", "good");

        Assert.Equal("prov-a", outcome.Provenance!.Provider);
        var warning = Assert.Single(cloud.Logs.Lines, l => l.Contains("staging", StringComparison.Ordinal));
        Assert.Contains("used", warning);
    }
}
