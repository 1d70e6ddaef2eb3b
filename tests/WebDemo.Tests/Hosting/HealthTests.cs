using System.Net;
using Microsoft.Extensions.DependencyInjection;

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

/// <summary>The app configured to require CUDA (Onnx:ExecutionProvider=cuda) where there is none: it starts, serves on CPU, and /readyz fails, saying why.</summary>
public sealed class CudaRequiredHealthTests : IAsyncLifetime
{
    private readonly WebDemoServer _server = new(new Dictionary<string, string?> { ["Onnx:ExecutionProvider"] = "cuda" });

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Readiness_fails_with_the_reason_once_the_models_are_loaded_on_cpu()
    {
        var status = _server.Services.GetRequiredService<WebDemo.Inference.Onnx.Runtime.OnnxSessionFactory>().Status;
        if (status.Active == "CUDA")
            return; // CUDA works on this machine: nothing is missing
        using var client = _server.CreateClient();

        // Wait for the preload (on CPU), so that CUDA is the only thing /readyz waits for.
        HttpResponseMessage response;
        string body;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        do
        {
            response = await client.GetAsync("/readyz");
            body = await response.Content.ReadAsStringAsync();
            if (!body.Contains("local-models:", StringComparison.Ordinal))
                break;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal($"Unhealthy\nexecution-provider: {status.Reason}", body);
        Assert.StartsWith("CUDA was required (Onnx:ExecutionProvider=cuda) but ", status.Reason);
        Assert.Contains(_server.Hub.Requests, r => r.Path.EndsWith("onnx/model.onnx", StringComparison.Ordinal));
    }
}
