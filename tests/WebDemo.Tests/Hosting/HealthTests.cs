using System.Net;

namespace WebDemo.Tests.Hosting;

[Collection(ServerCollection.Name)]
public class HealthTests(WebDemoServer server)
{
    [Fact]
    public async Task Liveness_answers_at_once()
    {
        using var client = server.CreateClient();

        var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readiness_turns_healthy_once_the_preloaded_model_is_loaded()
    {
        using var client = server.CreateClient();

        // The server preloads the sentiment model at start; poll the probe as a proxy would, until it says ready.
        HttpResponseMessage response;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        do
        {
            response = await client.GetAsync("/readyz");
            if (response.StatusCode == HttpStatusCode.OK)
                break;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(server.Hub.Requests, r => r.Path.EndsWith("onnx/model.onnx", StringComparison.Ordinal));
    }
}
