using WebDemo.Inference.Configuration;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Remote.Tests.HuggingFace;

/// <summary>The Hugging Face clients' conventions on the wire: User-Agent.</summary>
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
}
