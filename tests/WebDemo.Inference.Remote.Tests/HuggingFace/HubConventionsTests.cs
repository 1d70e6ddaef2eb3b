using WebDemo.Inference.Configuration;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Remote.Tests.HuggingFace;

/// <summary>The Hugging Face clients' conventions on the wire: User-Agent, staging providers.</summary>
public class HubConventionsTests
{
    private static bool IsMappingCall(HubRequest r) => r.Path.StartsWith("/api/models/", StringComparison.Ordinal);

    private static bool IsRouterCall(HubRequest r) => r.Method == "POST";

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
